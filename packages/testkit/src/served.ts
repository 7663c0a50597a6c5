// The served mode of the root suites: `CNI_TS_SERVED=1 pnpm test e2e` (or any vitest run of a
// root project) builds the binary, installs native launchers into a temporary directory with a
// socket of their own and starts a resident server (`cni-ts-plugins serve`) from that install
// for the whole run (globalSetup). Every helper that runs "our" plugin (plugin-exec's tsImpl,
// netns-call's sourceImpl, plugin-harness's tsPlugin and IPAM dir, the runtimes suite's install)
// then runs the installed launcher, which forwards to the server: the whole differential suite
// goes through the server. Unset, nothing changes.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
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

/** A `cni-ts-plugins serve` this process started (startResidentServer). */
export interface ResidentServerProcess {
  readonly child: ChildProcess;
  readonly socket: string;
  /** Everything it wrote on stderr so far (its log file). */
  log(): string;
  /** Its counters (served, fallbacks, refused, ...), asked for with SIGUSR1. */
  stats(): Promise<Record<string, number>>;
  /** SIGTERM (in-flight requests finish), then its exit code. */
  stop(): Promise<number | null>;
}

/** The counters line the server writes on SIGUSR1 (and on exit) after `from` in its log. */
export function statsAfter(log: string, from = 0): Record<string, number> | undefined {
  const m = /cni-ts serve: (\{.*"served".*\})\n/.exec(log.slice(from));
  return m ? (JSON.parse(m[1]!) as Record<string, number>) : undefined;
}

async function askStats(pid: number, logFile: string): Promise<Record<string, number>> {
  const from = readLog(logFile).length;
  process.kill(pid, 'SIGUSR1');
  const end = Date.now() + 10_000;
  for (;;) {
    const s = statsAfter(readLog(logFile), from);
    if (s) return s;
    if (Date.now() > end) throw new Error(`the resident server (pid ${pid}) did not report its counters: ${readLog(logFile).slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const readLog = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/**
 * Starts `<binary> serve --socket <socket>` with its stderr in `logFile` and waits until it
 * listens. A server that exits first fails at once with its log (it once died at start-up for
 * every test while the tests waited their whole 30 s for a socket).
 */
export async function startResidentServer(binary: string, socket: string, logFile: string, ms = 60_000): Promise<ResidentServerProcess> {
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(binary, ['serve', '--socket', socket], { stdio: ['ignore', 'ignore', fd] });
  } finally {
    closeSync(fd);
  }
  const from = readLog(logFile).length;
  const t0 = Date.now();
  const end = t0 + ms;
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', () => (exited = true));
  while (!(existsSync(socket) && readLog(logFile).slice(from).includes(socket))) {
    if (exited || child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the resident server exited (${child.exitCode ?? child.signalCode}) before listening: ${readLog(logFile).slice(from)}`);
    }
    if (Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`the resident server did not listen on ${socket} within ${ms} ms: ${readLog(logFile).slice(from)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    child,
    socket,
    log: () => readLog(logFile),
    stats: () => askStats(child.pid!, logFile),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      return child.exitCode;
    },
  };
}

/** In served mode, the counters of the run's resident server (from any test process). */
export function servedStats(): Promise<Record<string, number>> | undefined {
  const pid = Number(process.env.CNI_TS_SERVED_PID);
  const log = process.env.CNI_TS_SERVED_LOG;
  return pid && log ? askStats(pid, log) : undefined;
}

let server: ResidentServerProcess | undefined;
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
  const logFile = join(work, 'serve.log');
  server = await startResidentServer(join(dest, 'cni-ts-plugins'), socket, logFile);
  process.env.CNI_TS_SERVED_DIR = dest;
  process.env.CNI_TS_SERVED_SOCKET = socket;
  process.env.CNI_TS_SERVED_PID = String(server.child.pid);
  process.env.CNI_TS_SERVED_LOG = logFile;
  console.log(`testkit: served mode: plugins from ${dest} through the resident server on ${socket}`);
}

export async function stopServedMode(): Promise<void> {
  if (server) {
    const final = await server.stats().catch(() => undefined);
    await server.stop();
    if (final) console.log(`testkit: served mode: the resident server's counters: ${JSON.stringify(final)}`);
  }
  if (work) rmSync(work, { recursive: true, force: true });
}
