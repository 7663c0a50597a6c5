// Thick mode as a node runs it, for the e2e files: the daemon as a long-lived process in the
// test "host" netns (from source), the shim exec'd there by a fake runtime with the CNI_*
// environment, both against the API server of packages/multus/test/cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, SOURCE_NODE } from '../../chain/test/launchers';
import { oursDir, type Out } from '../../multus/test/harness';
import type { Setup } from '../../multus/test/scenario';

export const DAEMON_MAIN = path.join(ROOT, 'packages/multus-thick/src/daemon-main.ts');
export const SHIM_MAIN = path.join(ROOT, 'packages/multus-thick/src/main.ts');

export interface DaemonProc {
  socketDir: string;
  child: ChildProcess;
  log: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface DaemonRun {
  /** A bundled daemon (bench/bundle.ts) instead of the TypeScript source. */
  entry?: string;
  /** Node flags for it (the image's: bench/memory.ts DAEMON_NODE_FLAGS). */
  nodeFlags?: string[];
  env?: Record<string, string>;
  /**
   * Shell commands run in a private mount namespace of the daemon's own before it starts (what
   * its pod's mounts would be: a host root bind-mounted, directories hidden). The namespace,
   * and every mount in it, goes away with the daemon.
   */
  mountSetup?: string;
}

/** Starts multus-daemon in netns `hostNs` and waits for its socket. */
export async function startDaemonProc(hostNs: string, socketDir: string, extra: Record<string, unknown> = {}, run: DaemonRun = {}): Promise<DaemonProc> {
  const cfgDir = mkdtempSync(path.join(tmpdir(), 'cnits-thick-cfg-'));
  const cfg = path.join(cfgDir, 'daemon-config.json');
  writeFileSync(cfg, JSON.stringify({ socketDir, ...extra }));
  const [, ...rest] = SOURCE_NODE as [string, ...string[]];
  // The real node binary (node_modules/.bin/node is a wrapper that would outlive a signal).
  const node = process.execPath;
  const argv = run.entry ? [...(run.nodeFlags ?? []), run.entry] : [...rest, DAEMON_MAIN];
  const daemonArgv = ['nsenter', `--net=/run/netns/${hostNs}`, node, ...argv, '-config', cfg];
  const [cmd, ...args] = run.mountSetup
    ? ['unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-ec', `${run.mountSetup}\nexec "$@"`, 'sh', ...daemonArgv]
    : daemonArgv;
  const child = spawn(cmd!, args, {
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...run.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => {
    rmSync(cfgDir, { recursive: true, force: true });
    r(code);
  }));
  const socket = path.join(socketDir, 'multus.sock');
  const deadline = Date.now() + 30_000;
  while (!(existsSync(socket) && log.includes('listening'))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the daemon did not start: ${log}`);
    await sleep(50);
  }
  return { socketDir, child, log: () => log, exited };
}

export async function stopDaemonProc(d: DaemonProc, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill(signal);
  return d.exited;
}

/** Runs the shim as a runtime does, inside `hostNs` (`onSpawn` gets the process, to kill it as a runtime's timeout would; `env` overrides CNI_*). */
export function shim(hostNs: string, command: string, s: Setup, conf: unknown, onSpawn?: (child: ChildProcess) => void, env: Record<string, string> = {}): Promise<Out> {
  const started = performance.now();
  const [, ...rest] = SOURCE_NODE as [string, ...string[]];
  // The real node binary (node_modules/.bin/node is a wrapper that would outlive a signal).
  const node = process.execPath;
  const child = spawn('ip', ['netns', 'exec', hostNs, node, ...rest, SHIM_MAIN], {
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: command,
      CNI_CONTAINERID: 'ctr1',
      CNI_NETNS: s.env.container.path,
      CNI_IFNAME: 'eth0',
      CNI_ARGS: s.args,
      CNI_PATH: oursDir(),
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  onSpawn?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin!.end(JSON.stringify(conf));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let json: Record<string, unknown> | undefined;
      try {
        json = stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json, ms: Math.round(performance.now() - started) });
    });
  });
}

/** The thin setup's config as the shim's: same keys, type multus-shim, the daemon's socket dir. */
export const shimConf = (s: Setup, socketDir: string) => ({ ...s.conf, type: 'multus-shim', daemonSocketDir: socketDir });
