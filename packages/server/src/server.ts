// The resident server: a unix socket, one connection = one plugin invocation (protocol.ts),
// served by the worker pool (pool.ts).
//
// - Only root may talk to it: the socket is 0600 in a 0700 directory, and every connection's
//   SO_PEERCRED uid is checked before anything is read (a socket handed over by systemd, or one
//   whose mode an operator loosened, is still root-only).
// - A launcher of another build is turned away at the hello (it execs its own binary).
// - Requests of one plugin for one attachment (plugin + CNI_CONTAINERID + CNI_IFNAME) run one
//   after another, in the order they arrived; everything else runs in parallel.
// - A caller that goes away does not stop its request: it runs to its end, as an ADD that has
//   started must either finish or roll back, and its answer is dropped. (Killing it halfway is
//   what leaves state behind in the exec path.) The runtime's DEL comes after it.
// - Nothing lives only in memory: plugins keep their state on disk exactly as when exec'd, so a
//   restart loses nothing; close() lets every request in flight finish.
// - A plugin runs where the caller is, as the exec'd binary would. The launcher sends, with its
//   hello (SCM_RIGHTS), fds of its mount namespace, its network namespace and CNI_NETNS as it
//   opened it. When the caller's network namespace is not ours, a worker enters it (a worker is
//   a thread; setns moves only it) and stays there, serving only callers of it; when its mount
//   namespace is not ours (a runtime in a private one, with its own /run/netns and /var/lib),
//   the worker works in a copy of it for that request (worker-source.ts); CNI_NETNS is the fd
//   the caller opened. A client that sends no fds (the JS client of tests and the bench) is
//   taken to be where its pid is (/proc/<pid>/ns/net) and to share our mounts.
import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readlinkSync, statSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { firstMessageWithRights, peerCredentials } from '@cni-ts/netlink';
import type { Pool } from './pool';
import { ACCEPT, ByteReader, encodeResponse, envObject, FALLBACK, FD, HELLO_MAX, ProtocolError, readBody, readHello } from './protocol';

export const DEFAULT_SOCKET = '/run/cni-ts/plugins.sock';

export interface ServerOptions {
  /** Path to listen on (made here), or `fd`: an inherited listening socket (systemd). */
  socket?: string;
  fd?: number;
  buildId: string;
  plugins: readonly string[];
  pool: Pool;
  /** uids allowed to connect (default: root only). */
  allowUids?: readonly number[];
  log?: (line: string) => void;
}

export interface ServerStats {
  connections: number;
  /** Served requests whose caller was in another mount namespace (a private /run/netns, /var/lib). */
  otherMounts: number;
  refused: number;
  served: number;
  fallbacks: number;
  callerGone: number;
  protocolErrors: number;
  inFlight: number;
}

export interface ResidentServer {
  readonly stats: ServerStats;
  readonly address: string | undefined;
  /** Stops accepting, lets requests in flight finish, then stops the pool. */
  close(): Promise<void>;
}

/**
 * The directory is created 0700 when missing and must otherwise be a root-owned directory that
 * nobody else can write; only a socket file is ever replaced (a stale one of a killed server),
 * anything else at the path is refused.
 */
export function prepareSocket(file: string): void {
  const dir = path.dirname(file);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  const d = lstatSync(dir);
  if (!d.isDirectory() || d.uid !== process.getuid?.() || (d.mode & 0o022) !== 0) {
    throw new Error(`refusing socket directory ${dir}: not a directory of ours that only we can write`);
  }
  let st;
  try {
    st = lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!st.isSocket()) throw new Error(`refusing to replace ${file}: it is not a socket`);
  unlinkSync(file);
}

function handleFd(sock: net.Socket): number | undefined {
  // oxlint-disable-next-line no-underscore-dangle -- Node keeps a socket's fd on its libuv handle only
  const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

export async function startServer(o: ServerOptions): Promise<ResidentServer> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const allow = o.allowUids ?? [0];
  const plugins = new Set(o.plugins);
  const stats: ServerStats = { connections: 0, otherMounts: 0, refused: 0, served: 0, fallbacks: 0, callerGone: 0, protocolErrors: 0, inFlight: 0 };
  const tails = new Map<string, Promise<unknown>>();
  let drained: (() => void) | undefined;

  /** Runs `fn` after every earlier request of the same attachment. */
  function inOrder<T>(key: string | undefined, fn: () => Promise<T>): Promise<T> {
    if (key === undefined) return fn();
    const before = tails.get(key) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    const tail = mine.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return mine;
  }

  /** The namespace a `/proc/.../ns/<kind>` link or an nsfs fd names ("net:[4026531840]"), or undefined. */
  const nsOf = (link: string, kind: 'net' | 'mnt') => {
    try {
      const m = /^(\w+):\[(\d+)\]$/.exec(readlinkSync(link));
      return m && m[1] === kind ? Number(m[2]) : undefined;
    } catch {
      return undefined;
    }
  };
  const ownNetns = nsOf('/proc/thread-self/ns/net', 'net');
  const ownMnt = nsOf('/proc/self/ns/mnt', 'mnt');

  /** The fds that came with the hello, by FD bit; a count that does not match the mask is refused. */
  function passedFds(mask: number, fds: number[]): { mnt?: number; net?: number; cniNetns?: number } {
    const bits: number[] = [FD.mnt, FD.net, FD.cniNetns].filter((b) => mask & b);
    if (bits.length !== fds.length || mask & ~(FD.mnt | FD.net | FD.cniNetns)) throw new ProtocolError(`hello: fd mask ${mask} with ${fds.length} fd(s)`);
    const at = (b: number) => (bits.includes(b) ? fds[bits.indexOf(b)] : undefined);
    return { mnt: at(FD.mnt), net: at(FD.net), cniNetns: at(FD.cniNetns) };
  }

  async function serve(sock: net.Socket, reader: ByteReader, cred: { pid: number }, fds: number[]): Promise<void> {
    const hello = await readHello(reader);
    if (hello.buildId !== o.buildId || !plugins.has(hello.plugin)) {
      stats.refused++;
      sock.destroy();
      return;
    }
    const passed = passedFds(hello.fdMask ?? 0, fds);
    sock.write(Buffer.of(ACCEPT));
    const body = await readBody(reader);
    const env = envObject(body.env);
    // The plugin is part of the key: a delegate the plugin execs (host-local under bridge) carries
    // the same container and interface and must not wait for its own caller.
    const key = env.CNI_CONTAINERID ? `${hello.plugin}\0${env.CNI_CONTAINERID}\0${env.CNI_IFNAME ?? ''}` : undefined;
    // The caller's network namespace: the fd it sent, else its pid's (opened while it waits for
    // us, so the pid cannot be reused meanwhile).
    let netnsFd: number | undefined;
    let netnsIno: number | undefined;
    if (passed.net !== undefined) {
      const ino = nsOf(`/proc/self/fd/${passed.net}`, 'net');
      if (ino === undefined) throw new ProtocolError('hello: the network namespace fd is not one');
      if (ino !== ownNetns) [netnsFd, netnsIno] = [passed.net, ino];
    } else if (cred.pid > 0) {
      const ns = `/proc/${cred.pid}/ns/net`;
      const ino = statSync(ns).ino;
      if (ino !== ownNetns) {
        netnsFd = openSync(ns, 'r');
        fds.push(netnsFd);
        netnsIno = ino;
      }
    }
    // Its mounts, when they are not ours: the worker works in a copy of them for this request.
    let mntFd: number | undefined;
    if (passed.mnt !== undefined) {
      const ino = nsOf(`/proc/self/fd/${passed.mnt}`, 'mnt');
      if (ino === undefined) throw new ProtocolError('hello: the mount namespace fd is not one');
      if (ino !== ownMnt) mntFd = passed.mnt;
    }
    // CNI_NETNS as the caller opened it, when it is a network namespace (else the plugin opens the
    // path and fails as the binary would).
    const cniNetns =
      passed.cniNetns !== undefined && env.CNI_NETNS && nsOf(`/proc/self/fd/${passed.cniNetns}`, 'net') !== undefined
        ? { path: env.CNI_NETNS, fd: passed.cniNetns }
        : undefined;
    stats.inFlight++;
    try {
      const out = await inOrder(key, () => o.pool.run({ plugin: hello.plugin, env, stdin: body.stdin, netnsFd, netnsIno, mntFd, cniNetns }));
      if (sock.destroyed) {
        stats.callerGone++;
        return;
      }
      if (out.kind === 'fallback') {
        stats.fallbacks++;
        sock.end(Buffer.of(FALLBACK));
      } else {
        stats.served++;
        if (mntFd !== undefined) stats.otherMounts++;
        sock.end(encodeResponse(out));
      }
    } finally {
      stats.inFlight--;
      if (stats.inFlight === 0) drained?.();
    }
  }

  /**
   * A connection: the peer must be root (checked before anything is read); then its first
   * message, the hello with its fds, is read here (Node's reads would drop the fds), and the
   * rest by the stream reader.
   */
  async function connection(sock: net.Socket): Promise<void> {
    const fd = handleFd(sock);
    const cred = fd === undefined ? undefined : peerCredentials(fd);
    if (!cred || !allow.includes(cred.uid)) {
      stats.refused++;
      sock.destroy();
      return;
    }
    const first = await firstMessageWithRights(fd!, HELLO_MAX, 3, 5_000);
    if (!first || first.data.length === 0) throw new ProtocolError('connection closed mid-request');
    const fds = first.fds;
    try {
      const reader = new ByteReader();
      reader.push(first.data);
      sock.on('data', (c) => reader.push(c));
      sock.on('end', () => reader.end());
      sock.on('close', () => reader.end());
      sock.on('error', () => reader.end());
      sock.resume();
      await serve(sock, reader, cred, fds);
    } finally {
      for (const f of fds) closeSync(f);
    }
  }

  // Paused: nothing is read before the peer's credentials are checked and the hello's fds taken.
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (sock) => {
    stats.connections++;
    sock.on('error', () => {});
    connection(sock).catch((err: Error) => {
      stats.protocolErrors++;
      if (!sock.destroyed && !/connection closed/.test(err.message)) log(`cni-ts serve: ${err.message}`);
      sock.destroy();
    });
  });
  server.on('error', (err) => log(`cni-ts serve: ${err.message}`));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (o.fd !== undefined) {
      server.listen({ fd: o.fd }, () => resolve());
    } else {
      const file = o.socket ?? DEFAULT_SOCKET;
      prepareSocket(file);
      // The socket is created 0600 (no window in which another user could connect).
      const old = process.umask(0o177);
      try {
        server.listen(file, () => {
          chmodSync(file, 0o600);
          resolve();
        });
      } finally {
        process.umask(old); // bind(2) ran synchronously inside listen()
      }
    }
  });

  return {
    stats,
    address: o.fd !== undefined ? undefined : (o.socket ?? DEFAULT_SOCKET),
    async close() {
      server.close();
      if (stats.inFlight > 0) await new Promise<void>((r) => (drained = r));
      await o.pool.close();
    },
  };
}
