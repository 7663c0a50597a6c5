// invoke.Delegate* and pkg/ipam: a plugin handing the same request to another plugin (its
// IPAM plugin, or a delegate in meta plugins), found in CNI_PATH, with CNI_COMMAND replaced.
import type { Command, CniRequest } from '../plugin';
import type { Result } from '../result/types';
import { dispatch } from '../skel/dispatch';
import { rawExecPlugin, type ExecEnv, type PluginExec } from './exec';
import { pluginError } from './errors';
import { findInPath } from './find';
import { inProcessPlugin } from './registry';
import { parsePluginResult } from './result';

/** The default: look on disk, exec (asynchronously, killed when the request is aborted). */
export const defaultExec: PluginExec = { findInPath, execPlugin: rawExecPlugin };

export interface DelegateOptions {
  /** The config to send; default: the caller's own stdin bytes (the spec's "complete network configuration"). */
  stdin?: Uint8Array | string;
  /** Replaces finding and running binaries (tests). In-process runs are skipped when given. */
  exec?: PluginExec;
}

const utf8 = new TextEncoder();

/**
 * The delegate's environment: the caller's, with CNI_COMMAND replaced. The other CNI_*
 * variables are written from the request so in-process callers (whose process environment
 * has none) hand on the same values a runtime would have set.
 */
export function delegateEnv(req: CniRequest, command: Command): ExecEnv {
  const env: Record<string, string | undefined> = {
    ...req.env,
    CNI_COMMAND: command,
    CNI_CONTAINERID: req.containerId,
    CNI_NETNS: req.netns,
    CNI_IFNAME: req.ifname,
    CNI_ARGS: req.args.raw,
    CNI_PATH: req.pathEnv,
  };
  if (req.netnsOverride) env.CNI_NETNS_OVERRIDE = req.netnsOverride;
  return env;
}

/** Runs a registered plugin in-process exactly as its binary would run, output included. */
async function execInProcess(type: string, foundPath: string, stdin: Uint8Array, env: ExecEnv, req: CniRequest): Promise<Uint8Array | undefined> {
  const load = inProcessPlugin(type, foundPath);
  if (!load) return undefined;
  const plugin = await load();
  const out = await dispatch(plugin, { env, stdin, signal: req.signal });
  const stdout = utf8.encode(out.stdout);
  if (out.exitCode !== 0) throw pluginError(`exit status ${out.exitCode}`, stdout, utf8.encode(out.stderr));
  if (out.stderr) req.log(out.stderr.replace(/\n$/, ''));
  return stdout;
}

async function delegate(command: Command, type: string, req: CniRequest, opts: DelegateOptions): Promise<Uint8Array> {
  const exec = opts.exec ?? defaultExec;
  const pluginPath = exec.findInPath(type, req.path);
  const stdin = opts.stdin === undefined ? req.stdin : typeof opts.stdin === 'string' ? utf8.encode(opts.stdin) : opts.stdin;
  const env = delegateEnv(req, command);
  if (!opts.exec) {
    const out = await execInProcess(type, pluginPath, stdin, env, req);
    if (out) return out;
  }
  return exec.execPlugin(pluginPath, stdin, env, (text) => req.log(text.replace(/\n$/, '')), { signal: req.signal });
}

/**
 * DelegateAdd: the delegate's result, parsed in its own version (or the config's when it
 * states none) and not converted; use toCurrentResult() for the 1.1.0 shape. A failing
 * delegate throws its own CniError (code and texts unchanged); lookup failures throw plain
 * errors (`failed to find plugin "x" in path [...]`).
 */
export async function delegateAdd(type: string, req: CniRequest, opts: DelegateOptions = {}): Promise<Result> {
  const stdout = await delegate('ADD', type, req, opts);
  const stdin = opts.stdin === undefined ? req.stdin : typeof opts.stdin === 'string' ? utf8.encode(opts.stdin) : opts.stdin;
  return parsePluginResult(stdin, stdout);
}

export async function delegateCheck(type: string, req: CniRequest, opts: DelegateOptions = {}): Promise<void> {
  await delegate('CHECK', type, req, opts);
}

export async function delegateDel(type: string, req: CniRequest, opts: DelegateOptions = {}): Promise<void> {
  await delegate('DEL', type, req, opts);
}

export async function delegateGC(type: string, req: CniRequest, opts: DelegateOptions = {}): Promise<void> {
  await delegate('GC', type, req, opts);
}

export async function delegateStatus(type: string, req: CniRequest, opts: DelegateOptions = {}): Promise<void> {
  await delegate('STATUS', type, req, opts);
}
