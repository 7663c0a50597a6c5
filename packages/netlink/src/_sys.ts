import { SyscallError } from './errors';
import { libc } from './_libc';

/** Throws a SyscallError when a libc call returned -1; returns the result otherwise. */
export function check(rc: number, op: string, object?: string): number {
  if (rc < 0) throw new SyscallError(libc().errno(), op, object);
  return rc;
}

/** Blocks the calling thread for `ms` milliseconds (used while polling kernel state). */
export function sleepSync(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export const CLONE_NEWNET = 0x40000000;
