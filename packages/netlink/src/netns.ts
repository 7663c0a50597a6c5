import { closeSync, fstatSync, openSync, constants as fsc, stat, writeSync } from 'node:fs';
import { SyscallError } from './errors';
import { libc } from './_libc';
import { CLONE_NEWNET, check } from './_sys';
import { popFrame, pushFrame } from './_frames';

const NSFS_MAGIC = 0x6e736673;
const PROCFS_MAGIC = 0x9fa0;
const THREAD_NETNS = '/proc/thread-self/ns/net';

/** An open network namespace: a file descriptor on an nsfs file plus the path it was opened by. */
export interface Netns {
  /** the open fd; -1 after close(). */
  readonly fd: number;
  /** the path as given (CNI uses it verbatim as `sandbox`). */
  readonly path: string;
  close(): void;
}

// fs.openSync (libuv) always adds O_CLOEXEC, so namespace fds never leak into plugins we exec.
class NetnsHandle implements Netns {
  #fd: number;
  readonly path: string;
  constructor(fd: number, path: string) {
    this.#fd = fd;
    this.path = path;
  }
  get fd(): number {
    return this.#fd;
  }
  close(): void {
    if (this.#fd < 0) return;
    closeSync(this.#fd);
    this.#fd = -1;
  }
  [Symbol.dispose](): void {
    this.close();
  }
}

/** The path does not exist (Go: NSPathNotExistErr). */
export class NetnsNotExistError extends SyscallError {
  constructor(path: string) {
    super(2, 'opening netns', JSON.stringify(path));
    this.name = 'NetnsNotExistError';
    this.message = `failed to Statfs ${JSON.stringify(path)}: no such file or directory`;
  }
}

/** The path exists but is not a namespace file (Go: NSPathNotNSErr). */
export class NetnsNotNsError extends Error {
  readonly path: string;
  constructor(path: string, magic: number) {
    super(`unknown FS magic on ${JSON.stringify(path)}: ${magic.toString(16)}`);
    this.name = 'NetnsNotNsError';
    this.path = path;
  }
}

function fsMagic(path: string): number {
  const buf = Buffer.alloc(128);
  if (libc().statfs(path, buf) < 0) {
    const errno = libc().errno();
    if (errno === 2) throw new NetnsNotExistError(path);
    throw new SyscallError(errno, 'statfs', JSON.stringify(path));
  }
  // struct statfs starts with `long f_type` (8 bytes on 64-bit Linux).
  return Number(buf.readBigInt64LE(0) & 0xffffffffn);
}

/**
 * The resident server's worker sets this for one request: CNI_NETNS as the caller opened it (an
 * fd it passed over SCM_RIGHTS), which openNetns uses for that path (packages/server).
 */
const PASSED_NETNS = Symbol.for('cni-ts.passed-netns');

function passedNetns(path: string): string | undefined {
  const p = (globalThis as Record<symbol, { path: string; fd: number } | undefined>)[PASSED_NETNS];
  return p && p.path === path ? `/proc/self/fd/${p.fd}` : undefined;
}

/**
 * Opens a network namespace by path (/run/netns/x, /var/run/netns/x, /proc/<pid>/ns/net) like Go's
 * ns.GetNS: the path must be on nsfs (or procfs for older kernels). The namespace keeps `path` as
 * its name (a result's `sandbox`).
 */
export function openNetns(path: string): Netns {
  const real = passedNetns(path) ?? path;
  const magic = fsMagic(real);
  if (magic !== NSFS_MAGIC && magic !== PROCFS_MAGIC) throw new NetnsNotNsError(path, magic);
  let fd: number;
  try {
    fd = openSync(real, fsc.O_RDONLY);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new NetnsNotExistError(path);
    throw new SyscallError(-(e.errno ?? -5), 'opening netns', JSON.stringify(path));
  }
  return new NetnsHandle(fd, path);
}

/** The namespace the calling (main JS) thread is in right now. */
export function currentNetns(): Netns {
  return new NetnsHandle(openSync(THREAD_NETNS, fsc.O_RDONLY), THREAD_NETNS);
}

/**
 * A fresh, unnamed network namespace (Go's ns.TempNetNS) that lives as long as its fd: the
 * calling thread unshares into it, keeps an fd on it and switches back. Nothing is mounted, so a
 * crash cannot leave a namespace file behind. close() it to let the kernel free it.
 */
export function tempNetns(): Netns {
  warmLibuvPool();
  const back = openSync(THREAD_NETNS, fsc.O_RDONLY);
  try {
    check(libc().unshare(CLONE_NEWNET), 'unsharing netns');
    const fd = openSync(THREAD_NETNS, fsc.O_RDONLY);
    try {
      setnsOrThrow(back, THREAD_NETNS);
    } catch (err) {
      fatal(err);
    }
    return new NetnsHandle(fd, `/proc/${process.pid}/fd/${fd}`);
  } finally {
    closeSync(back);
  }
}

let poolWarm = false;

/**
 * Starts libuv's thread pool now, in the current namespace. Pool threads are created on the first
 * async job and inherit the namespace of the thread that creates them; if that happened while
 * switched, every later fs.promises call would run in the container. withNetns calls this itself.
 */
export function warmLibuvPool(): void {
  if (poolWarm) return;
  poolWarm = true;
  // uv_queue_work creates all pool threads synchronously before returning.
  stat('/', () => {});
}

function setnsOrThrow(fd: number, what: string): void {
  check(libc().setns(fd, CLONE_NEWNET), 'switching to netns', what);
}

/** Called when we cannot get back to where we were: better dead than in the wrong namespace. */
function fatal(err: unknown): never {
  try {
    writeSync(2, `cni-ts: fatal: cannot return to the original network namespace: ${(err as Error).message}\n`);
  } finally {
    // reallyExit skips 'exit' listeners, which would otherwise run in the wrong namespace.
    (process as unknown as { reallyExit?: (code: number) => void }).reallyExit?.(70);
    process.abort();
  }
}

/**
 * Runs `fn` with the calling thread switched into `ns`, then switches back, synchronously. `fn` must
 * be synchronous: nothing async may start while switched (libuv work would run elsewhere). If
 * switching back fails the process exits, because continuing in the wrong namespace could touch the
 * wrong host. Module-level netlink functions called inside `fn` operate on `ns`.
 */
export function withNetns<T>(ns: Netns | string, fn: () => T): T {
  const target = typeof ns === 'string' ? openNetns(ns) : ns;
  try {
    if (target.fd < 0) throw new Error(`netns ${JSON.stringify(target.path)} is closed`);
    warmLibuvPool();
    const back = openSync(THREAD_NETNS, fsc.O_RDONLY);
    try {
      setnsOrThrow(target.fd, JSON.stringify(target.path));
      pushFrame();
      try {
        const result = fn();
        if (result && typeof (result as { then?: unknown }).then === 'function') {
          throw new TypeError('withNetns: the callback returned a promise; it must be synchronous');
        }
        return result;
      } finally {
        popFrame();
        try {
          setnsOrThrow(back, '(original)');
        } catch (err) {
          fatal(err);
        }
      }
    } finally {
      closeSync(back);
    }
  } finally {
    if (typeof ns === 'string') target.close();
  }
}

/** Go's ns.WithNetNSPath: open the path, run fn inside, close. */
export function withNetnsPath<T>(path: string, fn: () => T): T {
  return withNetns(path, fn);
}

function identity(ns: Netns | string): { dev: bigint; ino: bigint } {
  if (typeof ns === 'string') {
    const h = openNetns(ns);
    try {
      return identity(h);
    } finally {
      h.close();
    }
  }
  const st = fstatSync(ns.fd, { bigint: true });
  return { dev: st.dev, ino: st.ino };
}

/** True when both refer to the same namespace (same st_dev and st_ino of the nsfs inode). */
export function sameNetns(a: Netns | string, b: Netns | string): boolean {
  const x = identity(a);
  const y = identity(b);
  return x.dev === y.dev && x.ino === y.ino;
}

/** A stable id for a namespace: `<dev>:<ino>` of its nsfs inode. */
export function netnsId(ns: Netns | string): string {
  const { dev, ino } = identity(ns);
  return `${dev}:${ino}`;
}
