import { SyscallError } from './errors';
import { libc } from './_libc';

/** Throws a SyscallError when a libc call returned -1; returns the result otherwise. */
export function check(rc: number, op: string, object?: string): number {
  if (rc < 0) throw new SyscallError(libc().errno(), op, object);
  return rc;
}

export const CLONE_NEWNET = 0x40000000;
