import { errnoMessage, errnoName } from './errno';

export interface SyscallErrorOptions {
  /** extended ACK text from the kernel (netlink only). */
  extack?: string;
  cause?: unknown;
}

/**
 * A failed system call or netlink request: `EEXIST creating link "net1": file exists`.
 * `errno` is the number, `code` its name, `op` what we were doing, `object` what we did it to.
 */
export class SyscallError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly op: string;
  readonly object: string | undefined;
  /** the errno text alone, as Go prints a bare syscall.Errno ("file exists"). */
  readonly strerror: string;

  constructor(errno: number, op: string, object?: string, opts: SyscallErrorOptions = {}) {
    const code = errnoName(errno);
    const strerror = errnoMessage(errno);
    const where = object === undefined ? op : `${op} ${object}`;
    const extack = opts.extack ? `: ${opts.extack}` : '';
    super(`${code} ${where}: ${strerror}${extack}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SyscallError';
    this.errno = errno;
    this.code = code;
    this.op = op;
    this.object = object;
    this.strerror = strerror;
  }
}

/** A netlink request the kernel answered with an error; `extack` holds its extended ACK message. */
export class NetlinkError extends SyscallError {
  readonly extack: string | undefined;

  constructor(errno: number, op: string, object?: string, opts: SyscallErrorOptions = {}) {
    super(errno, op, object, opts);
    this.name = 'NetlinkError';
    this.extack = opts.extack;
  }
}

/**
 * A link lookup found nothing. The message is vishvananda/netlink's `Link not found`, so plugins
 * that wrap it ("failed to lookup master \"x\": Link not found") print what the Go plugins print;
 * `object` still names the link.
 */
export class LinkNotFoundError extends NetlinkError {
  constructor(object: string, op = 'getting link') {
    super(19, op, object);
    this.name = 'LinkNotFoundError';
    this.message = 'Link not found';
  }
}

/** Quotes a name the way errors show objects: `"net1"`. */
export function q(name: string | number): string {
  return typeof name === 'number' ? `index ${name}` : JSON.stringify(name);
}

/** True for errors that mean "no such object" (a missing link, address, route, neighbour, rule). */
export function isNotFound(err: unknown): boolean {
  if (err instanceof LinkNotFoundError) return true;
  if (!(err instanceof SyscallError)) return false;
  return err.code === 'ENODEV' || err.code === 'ENOENT' || err.code === 'ESRCH' || err.code === 'EADDRNOTAVAIL';
}

/** True for EEXIST. */
export function isExist(err: unknown): boolean {
  return err instanceof SyscallError && err.code === 'EEXIST';
}
