// The served mode of the root suites: `CNI_TS_SERVED=1 pnpm test e2e` (or any vitest run of a
// root project) builds the binary, installs native launchers into a temporary directory with a
// socket of their own and starts a resident server (`cni-ts-plugins serve`) from that install
// for the whole run (globalSetup). Every helper that runs "our" plugin (plugin-exec's tsImpl,
// netns-call's sourceImpl, plugin-harness's tsPlugin and IPAM dir, the runtimes suite's install)
// then runs the installed launcher, which forwards to the server: the whole differential suite
// goes through the server. Unset, nothing changes.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './plugin-exec';

export const SERVED_ENV = 'CNI_TS_SERVED';

/** The served-mode launcher directory of this run, or undefined (exec mode). */
export function servedDir(): string | undefined {
  return process.env.CNI_TS_SERVED_DIR || undefined;
}

/** The socket the served-mode server listens on. */
export function servedSocket(): string | undefined {
  return process.env.CNI_TS_SERVED_SOCKET || undefined;
}

/** The binary name of the plugin in packages/<pkg> (its package.json's first bin, else <pkg>). */
export function pluginName(pkg: string): string {
  try {
    const bin = (JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8')) as { bin?: Record<string, string> }).bin;
    return (bin && Object.keys(bin)[0]) ?? pkg;
  } catch {
    return pkg;
  }
}

/** In served mode, the launcher of packages/<pkg>'s plugin; else undefined. */
export function servedPlugin(pkg: string): string | undefined {
  const dir = servedDir();
  if (!dir) return undefined;
  const file = join(dir, pluginName(pkg));
  if (!existsSync(file)) throw new Error(`served mode: ${file} is not installed`);
  return file;
}

let server: ChildProcess | undefined;
let work: string | undefined;

/** globalSetup: in served mode, build, install and start the server; exports its env for the forks. */
export async function startServedMode(): Promise<void> {
  if (!process.env[SERVED_ENV] || process.env.CNI_TS_SERVED_DIR) return;
  const { build } = (await import(join(ROOT, 'tools/build/build.mjs'))) as { build: (o: object) => Promise<unknown> };
  const { install } = (await import(join(ROOT, 'tools/install/install.mjs'))) as { install: (o: object) => unknown };
  await build({ ifNeeded: true });
  work = mkdtempSync('/tmp/cnits-served-');
  const dest = join(work, 'bin');
  const socket = join(work, 'run/plugins.sock');
  install({ binDir: join(ROOT, 'out/bin'), dest, socket });
  let log = '';
  server = spawn(join(dest, 'cni-ts-plugins'), ['serve', '--socket', socket], { stdio: ['ignore', 'ignore', 'pipe'] });
  server.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
  const end = Date.now() + 60_000;
  while (!(existsSync(socket) && log.includes(socket))) {
    if (server.exitCode !== null || Date.now() > end) throw new Error(`served mode: the server did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  process.env.CNI_TS_SERVED_DIR = dest;
  process.env.CNI_TS_SERVED_SOCKET = socket;
  console.log(`testkit: served mode: plugins from ${dest} through the resident server on ${socket}`);
}

export async function stopServedMode(): Promise<void> {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server!.once('exit', r));
  }
  if (work) rmSync(work, { recursive: true, force: true });
}
