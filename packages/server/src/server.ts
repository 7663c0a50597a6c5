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
// - A caller whose CNI_NETNS is not the same file for the server (a runtime in a private mount
//   namespace with its own /run/netns) is handed back ('F'): its launcher execs the binary.
// - A plugin runs in the caller's network namespace, as the exec'd binary would: when the
//   launcher (its pid from SO_PEERCRED) is in another one than the server, a worker enters it
//   (a worker is a thread; setns moves only it) and stays there, serving only callers of it.
import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { peerCredentials } from '@cni-ts/netlink';
import type { Pool } from './pool';
import { ACCEPT, ByteReader, encodeResponse, envObject, FALLBACK, readBody, readHello } from './protocol';

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
  const stats: ServerStats = { connections: 0, refused: 0, served: 0, fallbacks: 0, callerGone: 0, protocolErrors: 0, inFlight: 0 };
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

  const ownNetns = statSync('/proc/thread-self/ns/net').ino;
  /**
   * Whether CNI_NETNS names the same file for the caller (resolved through /proc/<pid>/root, i.e.
   * in its mount namespace) as for us. A runtime in a private mount namespace has a /run/netns the
   * server cannot see: the exec path serves it.
   */
  const sameNetnsPath = (pid: number, netns: string | undefined) => {
    if (!netns) return true;
    try {
      const theirs = statSync(`/proc/${pid}/root${netns.startsWith('/') ? '' : '/'}${netns}`);
      const ours = statSync(netns);
      return theirs.dev === ours.dev && theirs.ino === ours.ino;
    } catch {
      return false;
    }
  };

  async function serve(sock: net.Socket, reader: ByteReader): Promise<void> {
    const fd = handleFd(sock);
    const cred = fd === undefined ? undefined : peerCredentials(fd);
    const uid = cred?.uid ?? -1;
    const hello = await readHello(reader);
    if (!allow.includes(uid) || hello.buildId !== o.buildId || !plugins.has(hello.plugin) || !cred) {
      stats.refused++;
      sock.destroy();
      return;
    }
    sock.write(Buffer.of(ACCEPT));
    const body = await readBody(reader);
    const env = envObject(body.env);
    if (!sameNetnsPath(cred.pid, env.CNI_NETNS)) {
      stats.fallbacks++;
      sock.end(Buffer.of(FALLBACK));
      return;
    }
    // The plugin is part of the key: a delegate the plugin execs (host-local under bridge) carries
    // the same container and interface and must not wait for its own caller.
    const key = env.CNI_CONTAINERID ? `${hello.plugin}\0${env.CNI_CONTAINERID}\0${env.CNI_IFNAME ?? ''}` : undefined;
    // The caller's network namespace, opened while it waits for us (its pid cannot be reused).
    let netnsFd: number | undefined;
    let netnsIno: number | undefined;
    if (cred && cred.pid > 0) {
      const ns = `/proc/${cred.pid}/ns/net`;
      const ino = statSync(ns).ino;
      if (ino !== ownNetns) {
        netnsFd = openSync(ns, 'r');
        netnsIno = ino;
      }
    }
    stats.inFlight++;
    try {
      const out = await inOrder(key, () => o.pool.run({ plugin: hello.plugin, env, stdin: body.stdin, netnsFd, netnsIno }));
      if (sock.destroyed) {
        stats.callerGone++;
        return;
      }
      if (out.kind === 'fallback') {
        stats.fallbacks++;
        sock.end(Buffer.of(FALLBACK));
      } else {
        stats.served++;
        sock.end(encodeResponse(out));
      }
    } finally {
      if (netnsFd !== undefined) closeSync(netnsFd);
      stats.inFlight--;
      if (stats.inFlight === 0) drained?.();
    }
  }

  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    stats.connections++;
    const reader = new ByteReader();
    sock.on('data', (c) => reader.push(c));
    sock.on('end', () => reader.end());
    sock.on('close', () => reader.end());
    sock.on('error', () => reader.end());
    serve(sock, reader).catch((err: Error) => {
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
