import { constants } from 'node:os';
import { getSystemErrorMessage } from 'node:util';

// Messages as Go's syscall.Errno.Error() prints them (glibc strerror, lower-cased first letter),
// so errors read the same as the reference plugins' ("file exists", "no such device").
const MESSAGES: Record<string, string> = {
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ESRCH: 'no such process',
  EINTR: 'interrupted system call',
  EIO: 'input/output error',
  ENXIO: 'no such device or address',
  E2BIG: 'argument list too long',
  EBADF: 'bad file descriptor',
  EAGAIN: 'resource temporarily unavailable',
  ENOMEM: 'cannot allocate memory',
  EACCES: 'permission denied',
  EFAULT: 'bad address',
  EBUSY: 'device or resource busy',
  EEXIST: 'file exists',
  EXDEV: 'invalid cross-device link',
  ENODEV: 'no such device',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EINVAL: 'invalid argument',
  ENFILE: 'too many open files in system',
  EMFILE: 'too many open files',
  ENOTTY: 'inappropriate ioctl for device',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EPIPE: 'broken pipe',
  EDOM: 'numerical argument out of domain',
  ERANGE: 'numerical result out of range',
  EDEADLK: 'resource deadlock avoided',
  ENAMETOOLONG: 'file name too long',
  ENOLCK: 'no locks available',
  ENOSYS: 'function not implemented',
  ENOTEMPTY: 'directory not empty',
  ELOOP: 'too many levels of symbolic links',
  ENOMSG: 'no message of desired type',
  ENODATA: 'no data available',
  EPROTO: 'protocol error',
  EBADMSG: 'bad message',
  EOVERFLOW: 'value too large for defined data type',
  ENOTSOCK: 'socket operation on non-socket',
  EMSGSIZE: 'message too long',
  ENOPROTOOPT: 'protocol not available',
  EPROTONOSUPPORT: 'protocol not supported',
  EOPNOTSUPP: 'operation not supported',
  EAFNOSUPPORT: 'address family not supported by protocol',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'cannot assign requested address',
  ENETDOWN: 'network is down',
  ENETUNREACH: 'network is unreachable',
  ENOBUFS: 'no buffer space available',
  ETIMEDOUT: 'connection timed out',
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'no route to host',
  EALREADY: 'operation already in progress',
  EINPROGRESS: 'operation now in progress',
  ESTALE: 'stale file handle',
  EDQUOT: 'disk quota exceeded',
  ECANCELED: 'operation canceled',
};

const NAMES = new Map<number, string>();
for (const [name, num] of Object.entries(constants.errno)) {
  if (!NAMES.has(num)) NAMES.set(num, name);
}
// Same numbers, different names: prefer the ones Go and the kernel headers print.
NAMES.set(11, 'EAGAIN');
NAMES.set(95, 'EOPNOTSUPP');
// Kernel-internal, but netlink lets it through (e.g. a missing feature in an old kernel).
NAMES.set(524, 'ENOTSUPP');

/** 'EEXIST' for 17; `errno N` for numbers the platform does not name. */
export function errnoName(errno: number): string {
  return NAMES.get(errno) ?? `errno ${errno}`;
}

/** Go-style text for an errno: 'file exists' for 17. */
export function errnoMessage(errno: number): string {
  const name = NAMES.get(errno);
  if (name && MESSAGES[name]) return MESSAGES[name];
  if (errno === 524) return 'operation not supported';
  try {
    return getSystemErrorMessage(-errno).toLowerCase();
  } catch {
    return `errno ${errno}`;
  }
}

/** errno number by name, e.g. errno('EEXIST') === 17. */
export function errnoNumber(name: string): number {
  const n = (constants.errno as Record<string, number>)[name];
  if (n === undefined) throw new Error(`unknown errno name ${name}`);
  return n;
}
