// Thick mode as a node runs it, for the e2e files: the daemon as a long-lived process in the
// test "host" netns (from source), the shim exec'd there by a fake runtime with the CNI_*
// environment, both against the API server of @cni-ts/testkit/multus (cluster.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { callEnv, SOURCE_NODE, spawnProc, WORKSPACE as ROOT } from '@cni-ts/testkit';
import { oursDir, type Out } from '@cni-ts/testkit/multus';
import type { Setup } from '@cni-ts/testkit/multus';

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
  const [, ...rest] = SOURCE_NODE as [string, ...string[]];
  // The real node binary (node_modules/.bin/node is a wrapper that would outlive a signal).
  const argv = ['ip', 'netns', 'exec', hostNs, process.execPath, ...rest, SHIM_MAIN];
  return spawnProc(argv, { env: callEnv({ command, netns: s.env.container.path, args: s.args, env }, oursDir()), input: conf, ...(onSpawn && { onSpawn }) });
}

/** The thin setup's config as the shim's: same keys, type multus-shim, the daemon's socket dir. */
export const shimConf = (s: Setup, socketDir: string) => ({ ...s.conf, type: 'multus-shim', daemonSocketDir: socketDir });
