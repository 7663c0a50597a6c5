import { FileLock } from '@cni-ts/netlink';
import { pathError } from '@cni-ts/plugin-kit';

const MAX_BACKOFF_MS = 16;

/**
 * Runs `fn` holding the data directory's lock: flock(LOCK_EX) on `<dir>/lock`, the same file and
 * lock type as the Go plugin (go-filemutex), so Go and TypeScript processes exclude each other.
 * The lock is taken without blocking the event loop (try, then back off), so an in-process
 * caller keeps serving other work while a Go process holds the directory. The kernel drops the
 * lock if the process dies, so a killed ADD never leaves it held.
 */
export async function withStoreLock<T>(lockPath: string, fn: () => T): Promise<Awaited<T>> {
  let lock: FileLock;
  try {
    lock = new FileLock(lockPath);
  } catch (err) {
    throw pathError('open', lockPath, err);
  }
  try {
    let wait = 1;
    while (!lock.tryLock()) {
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, MAX_BACKOFF_MS);
    }
    return await fn();
  } finally {
    lock.close();
  }
}
