import { closeSync, mkdirSync, openSync, unlinkSync, constants as fsc } from 'node:fs';
import { join } from 'node:path';
import { SyscallError } from './errors';
import { libc } from './_libc';
import { CLONE_NEWNET, check } from './_sys';
import { openNetns, warmLibuvPool, type Netns } from './netns';

const MS_BIND = 0x1000;
const MS_REC = 0x4000;
const MS_SHARED = 0x100000;
const MNT_DETACH = 2;
export const NETNS_RUN_DIR = '/run/netns';

/** Makes `dir` a shared mount point (bind-mounting it on itself first if needed), as `ip netns add` does. */
function ensureSharedDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const c = libc();
  if (c.mount('', dir, 'none', MS_SHARED | MS_REC, null) === 0) return;
  if (c.errno() !== 22) throw new SyscallError(c.errno(), 'making shared mount', JSON.stringify(dir));
  check(c.mount(dir, dir, 'none', MS_BIND | MS_REC, null), 'bind-mounting', JSON.stringify(dir));
  check(c.mount('', dir, 'none', MS_SHARED | MS_REC, null), 'making shared mount', JSON.stringify(dir));
}

/**
 * Creates a named namespace the way `ip netns add` does: a new netns bind-mounted on
 * `<dir>/<name>`. The calling thread unshares into the new namespace only long enough to bind it,
 * then returns to where it was. Returns the namespace opened; the caller closes it.
 */
export function createNamedNetns(name: string, dir = NETNS_RUN_DIR): Netns {
  if (!name || name.includes('/') || name === '.' || name === '..') {
    throw new Error(`invalid netns name ${JSON.stringify(name)}`);
  }
  const path = join(dir, name);
  const object = JSON.stringify(path);
  ensureSharedDir(dir);
  try {
    closeSync(openSync(path, fsc.O_RDONLY | fsc.O_CREAT | fsc.O_EXCL, 0));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SyscallError(-(e.errno ?? -5), 'creating netns', object);
  }
  warmLibuvPool();
  const c = libc();
  const back = openSync('/proc/thread-self/ns/net', fsc.O_RDONLY);
  let failure: unknown;
  try {
    check(c.unshare(CLONE_NEWNET), 'unsharing netns', object);
    try {
      check(c.mount('/proc/thread-self/ns/net', path, 'none', MS_BIND, null), 'bind-mounting netns', object);
    } catch (err) {
      failure = err;
    }
    if (c.setns(back, CLONE_NEWNET) < 0) {
      // We are in the brand-new namespace and cannot leave: never continue from here.
      process.stderr.write(`cni-ts: fatal: cannot return from new netns ${object}\n`);
      (process as unknown as { reallyExit?: (code: number) => void }).reallyExit?.(70);
      process.abort();
    }
  } catch (err) {
    failure = err;
  } finally {
    closeSync(back);
  }
  if (failure) {
    try {
      unlinkSync(path);
    } catch {
      // best effort: the error that matters is the one above.
    }
    throw failure;
  }
  return openNetns(path);
}

/** Deletes a named namespace (`ip netns delete`): detach the bind mount and remove the file. Missing is fine. */
export function deleteNamedNetns(name: string, dir = NETNS_RUN_DIR): void {
  const path = join(dir, name);
  const c = libc();
  if (c.umount2(path, MNT_DETACH) < 0) {
    const errno = c.errno();
    // ENOENT: already gone; EINVAL: not a mount point (a half-created entry) - just unlink it.
    if (errno === 2) return;
    if (errno !== 22) throw new SyscallError(errno, 'unmounting netns', JSON.stringify(path));
  }
  try {
    unlinkSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'ENOENT') throw new SyscallError(-(e.errno ?? -5), 'removing netns', JSON.stringify(path));
  }
}
