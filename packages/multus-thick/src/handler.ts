// What the daemon does with one /cni or /delegate body: check the environment as upstream's
// server does, overlay daemon-config.json onto the config, and run the thin plugin's code
// in-process through the CNI skeleton's dispatcher (the same path a binary takes).
import { CniError, convertResult, ErrCode, goJsonParse, type Plugin } from '@cni-ts/cni';
import { dispatch } from '@cni-ts/cni/skel';
import type { MultusPlugin } from '@cni-ts/multus';
import { checkEnv, decodeRequest, RequestError } from './api';
import { overlayConfig, type DaemonConfig } from './daemon-config';

export interface Answer {
  status: number;
  body: string;
  contentType: string;
  /** The CNI command (for metrics), when the request got that far. */
  command?: string;
}

const json = (status: number, value: unknown, command?: string): Answer => ({ status, body: status === 200 && value === undefined ? '' : JSON.stringify(value), contentType: 'application/json', command });

/** Where Multus looks a pod's netns up when the daemon does not see the runtime's path (Talos): under chrootDir. */
export { visibleNetns } from '@cni-ts/multus';

/**
 * The environment the in-process Multus runs with: the shim's (as upstream), plus the daemon
 * pod's in-cluster API server variables when the shim's lack them, so a config without a
 * kubeconfig uses the daemon's service account (its token re-read on every call).
 */
export function requestEnv(env: Record<string, string>, own: Readonly<Record<string, string | undefined>> = process.env): Record<string, string> {
  const out: Record<string, string> = { ...env, CNI_IFNAME: env.CNI_IFNAME || 'eth0' };
  for (const k of ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT']) if (out[k] === undefined && own[k]) out[k] = own[k]!;
  return out;
}

export interface HandlerContext {
  /** The Multus plugin (its `hotplug` serves /delegate). */
  plugin: Plugin | MultusPlugin;
  config: DaemonConfig;
  raw: Record<string, unknown>;
  /** Where a request's stderr goes (Multus's log lines, delegates' stderr): the daemon's log. Default: dropped. */
  onStderr?: (text: string) => void;
}

export type DecodedRequest = ReturnType<typeof decodeRequest>;

const decoded = (body: string | DecodedRequest): DecodedRequest => (typeof body === 'string' ? decodeRequest(body) : body);

/**
 * /cni: one CNI command. `signal` aborts it (the client went away, the deadline passed): exec'd
 * delegates are killed and an ADD rolls back what it attached.
 */
export async function serveCni(ctx: HandlerContext, body: string | DecodedRequest, signal?: AbortSignal): Promise<Answer> {
  let command: string | undefined;
  try {
    const req = decoded(body);
    command = checkEnv(req.env);
    let conf: Record<string, unknown>;
    try {
      conf = (goJsonParse(req.config) ?? {}) as Record<string, unknown>;
    } catch (err) {
      throw new CniError(ErrCode.decodingFailure, `error unmarshall network config: ${(err as Error).message}`);
    }
    const merged = overlayConfig(conf, ctx.raw);
    // CNI_NETNS goes on as the runtime gave it: delegates run chrooted into the host's root
    // (chrootDir), where it is valid; Multus's own netns work looks it up under chrootDir.
    const env = requestEnv(req.env);
    const out = await dispatch(ctx.plugin, { env, stdin: JSON.stringify(merged), onStderr: ctx.onStderr ?? (() => {}), ...(signal ? { signal } : {}) });
    if (out.exitCode !== 0) return json(400, out.error?.toJSON() ?? { code: ErrCode.internal, msg: 'unknown failure' }, command);
    if (command === 'ADD' && out.result) return json(200, { Result: convertResult(out.result, '1.0.0') }, command);
    return json(200, undefined, command);
  } catch (err) {
    if (err instanceof CniError) return json(400, err.toJSON(), command);
    const msg = err instanceof RequestError ? err.message : `internal error: ${(err as Error).message}`;
    return { status: 400, body: `${msg}\n`, contentType: 'text/plain; charset=utf-8', command };
  }
}

/** The daemon's configuration as Multus's for a /delegate call (upstream: GetDefaultNetConf + daemon-config.json). */
export function delegateMultusConf(raw: Record<string, unknown>): Record<string, unknown> {
  const conf = overlayConfig({}, raw);
  for (const k of ['clusterNetwork', 'defaultNetworks', 'delegates', 'auxiliaryCNIChainName', 'readinessindicatorfile']) delete conf[k];
  // The skeleton's gates read this version: 1.1.0 lets CHECK and STATUS through; the network's
  // own cniVersion decides what its plugins are asked, and the answer is converted to 1.0.0.
  return { ...conf, cniVersion: '1.1.0', name: 'multus-cni-network', type: 'multus' };
}

const HOTPLUG_COMMANDS = new Set(['ADD', 'DEL', 'CHECK', 'STATUS']);

/**
 * /delegate: one network hot-plugged into (or out of) a running pod by the
 * multus-dynamic-networks-controller, as upstream's cmdDelegate*: the posted config is the
 * only network and CNI_IFNAME its interface; the pod's other interfaces, the delegate cache and
 * the network-status annotation are left alone. The posted config runs as posted (upstream
 * overlays daemon-config.json onto it, cniVersion included).
 */
export async function serveDelegate(ctx: HandlerContext, body: string | DecodedRequest, signal?: AbortSignal): Promise<Answer> {
  let command: string | undefined;
  try {
    const req = decoded(body);
    command = checkEnv(req.env);
    if (!HOTPLUG_COMMANDS.has(command)) throw new RequestError(`unknown cmd type: ${command}`);
    const hotplug = (ctx.plugin as Partial<MultusPlugin>).hotplug;
    if (!hotplug) throw new RequestError('this daemon serves no /delegate');
    const plugin = hotplug({ delegate: req.config, ...(req.interfaceAttributes ? { attrs: req.interfaceAttributes } : {}) });
    // The controller sends no CNI_PATH: plugins come from binDir (and the daemon's own CNI_PATH).
    const binDir = typeof ctx.raw.binDir === 'string' && ctx.raw.binDir ? ctx.raw.binDir : '/opt/cni/bin';
    const env = requestEnv({ ...req.env, CNI_PATH: req.env.CNI_PATH || process.env.CNI_PATH || binDir });
    const out = await dispatch(plugin, { env, stdin: JSON.stringify(delegateMultusConf(ctx.raw)), onStderr: ctx.onStderr ?? (() => {}), ...(signal ? { signal } : {}) });
    if (out.exitCode !== 0) return json(400, out.error?.toJSON() ?? { code: ErrCode.internal, msg: 'unknown failure' }, command);
    if (command === 'ADD' && out.result) return json(200, { Result: convertResult(out.result, '1.0.0') }, command);
    return json(200, undefined, command);
  } catch (err) {
    if (err instanceof CniError) return json(400, err.toJSON(), command);
    return { status: 400, body: `${(err as Error).message}\n`, contentType: 'text/plain; charset=utf-8', command };
  }
}
