// `dhcp daemon [flags]` and `dhcp status [flags]`: the process around the service.

import { mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { dirname, isAbsolute } from 'node:path';
import { DEFAULT_SOCKET_PATH } from '../config';
import { EMPTY_T } from '../wire';
import { RpcClient, serveRpcConn } from '../rpc';
import { FlagError, type FlagSpec, type FlagValues, parseFlags, usage } from './flags';
import { DhcpService } from './service';
import { DEFAULT_STATE_DIR } from './store';

export const DAEMON_FLAGS = {
  pidfile: { kind: 'string', usage: 'optional path to write daemon PID to', default: '' },
  hostprefix: { kind: 'string', usage: 'optional prefix to host root', default: '' },
  socketpath: { kind: 'string', usage: 'optional dhcp server socketpath', default: '' },
  broadcast: { kind: 'bool', usage: 'broadcast DHCP leases', default: false },
  timeout: { kind: 'duration', usage: 'optional dhcp client timeout duration for each request', default: 10_000 },
  resendmax: { kind: 'duration', usage: 'optional dhcp client max resend delay between requests', default: 62_000 },
  resendtimeout: { kind: 'duration', usage: 'optional dhcp client resend timeout, no more retries after this timeout', default: 208_000 },
  statedir: { kind: 'string', usage: 'where leases are kept across restarts (cni-ts)', default: DEFAULT_STATE_DIR },
} as const;

export const STATUS_FLAGS = {
  socketpath: { kind: 'string', usage: 'the daemon socket', default: '' },
  hostprefix: { kind: 'string', usage: 'optional prefix to host root', default: '' },
} as const;

const p2 = (n: number) => String(n).padStart(2, '0');

function log(msg: string): void {
  // Go's log package: date and time, then the text.
  const d = new Date();
  const p = p2;
  process.stderr.write(`${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${msg}\n`);
}

/** go-systemd's activation.Listeners(): the fds systemd passed (LISTEN_PID must be us). */
function activationFds(): number[] {
  const pid = process.env.LISTEN_PID;
  const n = Number(process.env.LISTEN_FDS ?? '0');
  const fds: number[] = [];
  if (pid !== undefined && Number(pid) === process.pid && Number.isInteger(n) && n > 0) for (let i = 0; i < n; i++) fds.push(3 + i);
  delete process.env.LISTEN_PID;
  delete process.env.LISTEN_FDS;
  delete process.env.LISTEN_FDNAMES;
  return fds;
}

/** True when something answers on the unix socket at `path`. */
export function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function listen(server: Server, socketPath: string): Promise<{ activated: boolean }> {
  const fds = activationFds();
  if (fds.length > 1) throw new Error(`Error getting listener: Too many (${fds.length}) FDs passed through socket activation`);
  if (fds.length === 1) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`Error getting listener: LISTEN_FDS=1 but no FD found (${err.message})`)));
      server.listen({ fd: fds[0]! }, resolve);
    });
    return { activated: true };
  }
  mkdirSync(dirname(socketPath), { recursive: true, mode: 0o700 });
  // A socket file left by a daemon that died: remove it if nothing answers there (upstream fails
  // with "address already in use" and the docs tell users to rm it).
  let exists = false;
  try {
    exists = statSync(socketPath).isSocket();
  } catch {
    // absent
  }
  if (exists && !(await socketAnswers(socketPath))) unlinkSync(socketPath);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const text = err.code === 'EADDRINUSE' ? 'bind: address already in use' : err.message;
      reject(new Error(`Error getting listener: listen unix ${socketPath}: ${text}`));
    });
    server.listen({ path: socketPath }, resolve);
  });
  return { activated: false };
}

/** `dhcp daemon`: returns the exit code. */
export async function runDaemon(argv: string[]): Promise<number> {
  const flags = flagsOrUsage('daemon', DAEMON_FLAGS, argv);
  if (!flags) return 2;
  const socketPath = flags.hostprefix + (flags.socketpath || DEFAULT_SOCKET_PATH);
  if (flags.pidfile) {
    if (!isAbsolute(flags.pidfile)) {
      log(`Error writing pidfile ${JSON.stringify(flags.pidfile)}: path not absolute`);
      return 1;
    }
    try {
      writeFileSync(flags.pidfile, String(process.pid), { mode: 0o644 });
    } catch (err) {
      log(`Error writing pidfile ${JSON.stringify(flags.pidfile)}: ${(err as Error).message}`);
      return 1;
    }
  }
  const service = new DhcpService({
    hostPrefix: flags.hostprefix,
    timeoutMs: flags.timeout,
    resendMaxMs: flags.resendmax,
    resendTimeoutMs: flags.resendtimeout,
    broadcast: flags.broadcast,
    stateDir: flags.statedir,
    log,
  });
  const methods = service.methods();
  const conns = new Set<import('node:net').Socket>();
  const server = createServer((sock) => {
    conns.add(sock);
    sock.on('close', () => conns.delete(sock));
    serveRpcConn(sock, methods, log);
  });
  let activated = false;
  try {
    ({ activated } = await listen(server, socketPath));
  } catch (err) {
    log((err as Error).message);
    if (flags.pidfile) rmQuiet(flags.pidfile);
    return 1;
  }
  const restored = service.restore();
  log(`dhcp daemon listening on ${activated ? 'the socket systemd passed' : socketPath}${restored ? `, ${restored} leases re-adopted` : ''}`);
  return new Promise<number>((resolve) => {
    let done = false;
    const stop = (sig: string) => {
      if (done) return;
      done = true;
      log(`${sig}: shutting down`);
      server.close();
      for (const c of conns) c.destroy();
      // A socket systemd made stays: it belongs to the socket unit, which may start us again.
      if (!activated) rmQuiet(socketPath);
      if (flags.pidfile) rmQuiet(flags.pidfile);
      void service.shutdown().finally(() => resolve(0));
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}

/** Go's FlagSet with ExitOnError: on a bad flag, the error and the usage on stderr (exit 2). */
function flagsOrUsage<S extends FlagSpec>(name: string, spec: S, argv: string[]): FlagValues<S> | undefined {
  try {
    return parseFlags(spec, argv).values;
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    process.stderr.write(`${err.message}\n${usage(name, spec)}`);
    return undefined;
  }
}

function rmQuiet(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // already gone
  }
}

/** `dhcp status`: the daemon's leases as JSON. */
export async function runStatus(argv: string[]): Promise<number> {
  const flags = flagsOrUsage('status', STATUS_FLAGS, argv);
  if (!flags) return 2;
  const socketPath = flags.hostprefix + (flags.socketpath || DEFAULT_SOCKET_PATH);
  try {
    const c = await RpcClient.dial(socketPath);
    try {
      const reply = await c.call('DHCP.Leases', EMPTY_T, {});
      process.stdout.write(`${JSON.stringify(JSON.parse(String(reply)), null, 2)}\n`);
      return 0;
    } finally {
      c.close();
    }
  } catch (err) {
    process.stderr.write(`dhcp status: ${(err as Error).message}\n`);
    return 1;
  }
}
