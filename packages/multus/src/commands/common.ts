// What every command starts with: the config, logging, CNI_ARGS, the readiness file, and
// upstream's error prefixes.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { K8S_ARGS, type CniRequest } from '@cni-ts/cni';
import { loadNetConf, type NetConf } from '../config';
import type { ExecContext } from '../exec';
import { Logger } from '../logging';
import type { K8sArgs, RuntimeInput } from '../runtime';

export interface MultusOptions {
  /** The kubelet device-plugin checkpoint (resourceName -> deviceID). */
  checkpointFile: string;
  /** Base directory of device-info files. */
  devInfoDir: string;
  /** Readiness file polling: interval and limit (upstream 1 s / 45 s). */
  readinessIntervalMs: number;
  readinessTimeoutMs: number;
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

/** `Multus: [<ns>/<pod>/<uid>]: ` (cmdErr). */
export function cmdErr(k: K8sArgs | undefined, msg: string, cause?: unknown): Error {
  const prefix = k ? `Multus: [${k.K8S_POD_NAMESPACE ?? ''}/${k.K8S_POD_NAME ?? ''}/${k.K8S_POD_UID ?? ''}]: ` : 'Multus: ';
  return new Error(prefix + msg, { cause });
}

/** `[<ns>/<pod>/<uid>:<netName>]: ` (cmdPluginErr). */
export function cmdPluginErr(k: K8sArgs, netName: string, msg: string, cause?: unknown): Error {
  return new Error(`[${k.K8S_POD_NAMESPACE ?? ''}/${k.K8S_POD_NAME ?? ''}/${k.K8S_POD_UID ?? ''}:${netName}]: ${msg}`, { cause });
}

export const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** LoadNetConf and logging; `wrap` decides the error text (ADD/STATUS/GC wrap it, DEL/CHECK do not). */
export function setup(req: CniRequest, opts: MultusOptions, wrap: boolean): Call {
  const log = new Logger({ stderr: (l) => req.log(l.replace(/\n$/, '')) });
  let conf: NetConf;
  try {
    conf = loadNetConf(req.stdin);
  } catch (err) {
    throw wrap ? cmdErr(undefined, `error loading netconf: ${errText(err)}`, err) : err;
  }
  log.configure(conf);
  const execOnly = req.env.CNI_TS_MULTUS_EXEC === '1';
  return { req, conf, log, opts, exec: { conf, pathEnv: req.pathEnv, env: req.env, execOnly, onStderr: (t) => log.debug(t.trimEnd()) } };
}

/** GetK8sArgs (types.LoadArgs over K8sArgs: the four Kubernetes keys and IP). */
export function k8sArgs(req: CniRequest): K8sArgs {
  try {
    return req.args.load({ ...K8S_ARGS, IP: 'ip' }) as K8sArgs;
  } catch (err) {
    throw cmdErr(undefined, `error getting k8s args: ${errText(err)}`, err);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
