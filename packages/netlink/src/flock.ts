import { closeSync, openSync, constants as fsc } from 'node:fs';
import { SyscallError } from './errors';
import { libc } from './_libc';

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;
const EINTR = 4;
const EWOULDBLOCK = 11;

/**
 * A whole-file BSD lock (flock(2)) on `path`, interoperable with Go's go-filemutex that host-local
 * uses: the file is opened O_CREAT|O_RDONLY with mode 0750 and locked LOCK_EX. The kernel drops the
 * lock when the process dies, since the lock belongs to the open file description. With
 * `{create: false}` a missing file is an ENOENT error instead of an empty file made (sbr locks the
 * netns path, which must not appear as a regular file when the namespace is gone).
 */
export class FileLock {
  readonly path: string;
  #fd: number;

  constructor(path: string, opts: { create?: boolean } = {}) {
    this.path = path;
    try {
      this.#fd = openSync(path, (opts.create === false ? 0 : fsc.O_CREAT) | fsc.O_RDONLY, 0o750);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new SyscallError(-(e.errno ?? -5), 'opening lock file', JSON.stringify(path));
    }
  }

  get fd(): number {
    return this.#fd;
  }

  #flock(op: number, what: string): boolean {
    if (this.#fd < 0) throw new Error(`lock ${JSON.stringify(this.path)} is closed`);
    const c = libc();
    for (;;) {
      if (c.flock(this.#fd, op) === 0) return true;
      const errno = c.errno();
      if (errno === EINTR) continue;
      if (errno === EWOULDBLOCK && op & LOCK_NB) return false;
      throw new SyscallError(errno, what, JSON.stringify(this.path));
    }
  }

  /** Blocks until the exclusive lock is ours. */
  lock(): void {
    this.#flock(LOCK_EX, 'locking');
  }

  /** Blocks until a shared lock is ours. */
  lockShared(): void {
    this.#flock(LOCK_SH, 'locking');
  }

  /** Takes the exclusive lock if free; false when another holder has it. */
  tryLock(): boolean {
    return this.#flock(LOCK_EX | LOCK_NB, 'locking');
  }

  unlock(): void {
    this.#flock(LOCK_UN, 'unlocking');
  }

  /** Closes the file, which also releases the lock. */
  close(): void {
    if (this.#fd < 0) return;
    closeSync(this.#fd);
    this.#fd = -1;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Runs `fn` holding an exclusive flock on `path`; releases it when `fn` returns or, for an async
 * `fn`, when its promise settles.
 */
export function withFileLock<T>(path: string, fn: () => T): T {
  const lock = new FileLock(path);
  try {
    lock.lock();
  } catch (err) {
    lock.close();
    throw err;
  }
  let result: T;
  try {
    result = fn();
  } catch (err) {
    lock.close();
    throw err;
  }
  if (result && typeof (result as { then?: unknown }).then === 'function') {
    return (result as unknown as Promise<unknown>).finally(() => lock.close()) as T;
  }
  lock.close();
  return result;
}
