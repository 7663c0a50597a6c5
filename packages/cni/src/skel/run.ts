// The whole binary entry of a plugin: process environment and stdin in, stdout/stderr and
// exit status out.
import { toCniError } from '../errors';
import { goMarshalIndent } from '../gojson/encode';
import type { LazyPlugin, Plugin, PluginModule } from '../plugin';
import { dispatch } from './dispatch';
import { readAllStdin, writeAll } from './stdio';

/** Where the resident server's worker puts its hook (see run()). */
export const SERVE_HOOK = Symbol.for('cni-ts.serve');
export type ServeHook = (plugin: Plugin | LazyPlugin, dispatchFn: typeof dispatch) => void;

function writeErr(text: string): void {
  try {
    writeAll(2, text);
  } catch {
    // stderr is informational; a closed stderr must not change the outcome
  }
}

/** A failure that escaped the plugin's promise chain still ends as a CNI error, never a stack. */
function fatal(err: unknown): never {
  if (process.env.CNI_TS_DEBUG && err instanceof Error && err.stack) writeErr(`${err.stack}\n`);
  try {
    writeAll(1, goMarshalIndent(toCniError(err).toJSON()));
  } catch {
    // nothing more can be reported
  }
  process.exit(1);
}

/**
 * Runs a plugin as a CNI binary and exits: errors go to stdout as 4-space-indented JSON with
 * exit status 1; stack traces only ever reach stderr, and only with CNI_TS_DEBUG set. A binary's
 * main.ts passes its plugin module behind a dynamic import, `run(() => import('./plugin'))`, so
 * that VERSION is answered without loading it (nor zod, nor koffi); `opts.supportedVersions`
 * only for a plugin that restricts them.
 */
export async function run(plugin: Plugin | (() => Promise<PluginModule>), opts: { supportedVersions?: readonly string[] } = {}): Promise<never> {
  const source: Plugin | LazyPlugin = typeof plugin === 'function' ? { load: plugin, ...opts } : plugin;
  // Inside the resident server (`cni-ts-plugins serve`) a plugin's bundle is loaded into a worker
  // thread, whose hook takes the plugin and this bundle's dispatch and serves requests with them;
  // nothing of the process (env, stdin, exit) is touched here.
  const serve = (globalThis as Record<symbol, unknown>)[SERVE_HOOK];
  if (typeof serve === 'function') {
    (serve as ServeHook)(source, dispatch);
    return new Promise<never>(() => {});
  }
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  const out = await dispatch(source, { env: process.env, stdin: () => readAllStdin(0), onStderr: writeErr });
  try {
    if (out.stdout) writeAll(1, out.stdout);
  } catch {
    process.exit(1);
  }
  process.exit(out.exitCode);
}
