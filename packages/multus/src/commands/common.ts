// What every command starts with: the config, logging, CNI_ARGS, the readiness file, and
// upstream's error prefixes.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CniError, ErrCode, K8S_ARGS, type CniRequest } from '@cni-ts/cni';
import { loadNetConf, type LoadNetConfOptions, type NetConf } from '../config';
import { NESTED_ENV, type ExecContext } from '../exec';
import { SizeLimitError, type ConfigBudget, type ConfigLimits } from '../limits';
import { Logger } from '../logging';
import { LIVE, type KubeSource } from '../k8s/source';
import type { KubeClient } from '@cni-ts/kube';
import type { K8sArgs, RuntimeInput } from '../runtime';
import { setTimeout as sleep } from 'node:timers/promises';

export interface MultusOptions {
  /** The kubelet device-plugin checkpoint (resourceName -> deviceID). */
  checkpointFile: string;
  /** The kubelet's pod-resources socket (asked instead of the checkpoint when it exists). */
  podResourcesSocket: string;
  /** Base directory of device-info files. */
  devInfoDir: string;
  /** Readiness file polling: interval and limit (upstream 1 s / 45 s). */
  readinessIntervalMs: number;
  readinessTimeoutMs: number;
  /** How much untrusted configuration a call, and all calls of this plugin, may hold (limits.ts). */
  limits: ConfigLimits;
  /** The instance's budget (made by createMultus from `limits`). */
  budget?: ConfigBudget;
  /** Deadline of each exec'd delegate in milliseconds (the daemon's delegateTimeoutMs; none by default, as upstream). */
  execTimeoutMs?: number;
  /**
   * The thick daemon's chrootDir (the host's root in its pod): every delegate is exec'd chrooted
   * into it (none in-process), and a netns path the daemon does not see is looked up under it.
   */
  hostRoot?: string;
  /** Where Kubernetes objects come from (default: a client from the config, live reads; the daemon: its shared client and watch caches). */
  kube?: KubeSource;
}

/** The call's API client (undefined: no Kubernetes). */
export function kubeClient(call: Pick<Call, 'conf' | 'req' | 'opts'>): Promise<KubeClient | undefined> {
  return (call.opts.kube ?? LIVE).client(call.conf.kubeconfig, call.req.env);
}

export interface Call {
  req: CniRequest;
  conf: NetConf;
  log: Logger;
  opts: MultusOptions;
  exec: ExecContext;
}

/** What runtimeFor needs of a call, the same for every delegate of the call. */
export function runtimeInput(call: Call, k: K8sArgs): RuntimeInput {
  const { req, conf, opts } = call;
  return {
    containerId: req.containerId,
    netns: req.netns,
    ifname: req.ifname,
    k8s: k,
    cniArgs: req.args.raw,
    runtimeConfig: conf.runtimeConfig,
    devInfoDir: opts.devInfoDir,
  };
}

/** The annotation field an error blames (`k8s.v1.cni.cncf.io/networks[0].interface`), from its cause chain. */
export function blamedField(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    const field = (e as { field?: unknown }).field;
    if (typeof field === 'string' && field !== '') return field;
  }
  return undefined;
}

/**
 * `Multus: [<ns>/<pod>/<uid>]: ` (cmdErr). When untrusted input is to blame, a CNI error whose
 * details name the field (the code stays upstream's 999).
 */
export function cmdErr(k: K8sArgs | undefined, msg: string, cause?: unknown): Error {
  const prefix = k ? `Multus: [${k.K8S_POD_NAMESPACE ?? ''}/${k.K8S_POD_NAME ?? ''}/${k.K8S_POD_UID ?? ''}]: ` : 'Multus: ';
  for (let e = cause, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    if (e instanceof SizeLimitError) return new CniError(e.code, prefix + msg, e.field, { cause });
  }
  const field = blamedField(cause);
  if (field) return new CniError(ErrCode.internal, prefix + msg, field, { cause });
  return new Error(prefix + msg, { cause });
}

/** `[<ns>/<pod>/<uid>:<netName>]: ` (cmdPluginErr). */
export function cmdPluginErr(k: K8sArgs, netName: string, msg: string, cause?: unknown): Error {
  return new Error(`[${k.K8S_POD_NAMESPACE ?? ''}/${k.K8S_POD_NAME ?? ''}/${k.K8S_POD_UID ?? ''}:${netName}]: ${msg}`, { cause });
}

export const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** LoadNetConf and logging; `wrap` decides the error text (ADD/STATUS/GC wrap it, DEL/CHECK do not). */
export function setup(req: CniRequest, opts: MultusOptions, wrap: boolean, load: LoadNetConfOptions = {}): Call {
  if (req.env[NESTED_ENV] === '1') {
    throw new CniError(ErrCode.invalidNetworkConfig, 'Multus: refusing to run as a delegate of Multus', `${NESTED_ENV}=1: a network's config may not run Multus itself`);
  }
  const log = new Logger({ stderr: (l) => req.log(l.replace(/\n$/, '')) });
  let conf: NetConf;
  try {
    conf = loadNetConf(req.stdin, load);
  } catch (err) {
    throw wrap ? cmdErr(undefined, `error loading netconf: ${errText(err)}`, err) : err;
  }
  log.configure(conf);
  const execOnly = req.env.CNI_TS_MULTUS_EXEC === '1';
  return {
    req,
    conf,
    log,
    opts,
    exec: { conf, pathEnv: req.pathEnv, env: req.env, execOnly, onStderr: (t) => log.debug(t.trimEnd()), signal: req.signal, timeoutMs: opts.execTimeoutMs, ...(opts.hostRoot ? { chroot: opts.hostRoot } : {}) },
  };
}

/** GetK8sArgs (types.LoadArgs over K8sArgs: the four Kubernetes keys and IP). */
export function k8sArgs(req: CniRequest): K8sArgs {
  try {
    return req.args.load({ ...K8S_ARGS, IP: 'ip' }) as K8sArgs;
  } catch (err) {
    throw cmdErr(undefined, `error getting k8s args: ${errText(err)}`, err);
  }
}


/** GetReadinessIndicatorFile: stat() until it exists (1 s poll, 45 s limit). */
export async function waitReadiness(file: string, opts: MultusOptions): Promise<void> {
  const abs = path.resolve(path.normalize(file));
  const deadline = Date.now() + opts.readinessTimeoutMs;
  for (;;) {
    if (existsSync(abs)) return;
    if (Date.now() >= deadline) throw new Error('timed out waiting for the condition');
    await sleep(opts.readinessIntervalMs);
  }
}

export function readinessError(k: K8sArgs | undefined, file: string, err: unknown): Error {
  return cmdErr(k, `have you checked that your default network is ready? still waiting for readinessindicatorfile @ ${file}. pollimmediate error: ${errText(err)}`, err);
}
