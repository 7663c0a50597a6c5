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

// Linux's errno numbers (asm-generic: x86-64, arm64, ppc64, s390x; checked against
// os.constants.errno in errno.test.ts). A table, not node:os: looking them up there costs ~1.5 ms
// of every command's start-up.
const NUMBERS: Readonly<Record<string, number>> = {
  E2BIG: 7, EACCES: 13, EADDRINUSE: 98, EADDRNOTAVAIL: 99, EAFNOSUPPORT: 97, EAGAIN: 11, EALREADY: 114,
  EBADF: 9, EBADMSG: 74, EBUSY: 16, ECANCELED: 125, ECHILD: 10, ECONNABORTED: 103, ECONNREFUSED: 111,
  ECONNRESET: 104, EDEADLK: 35, EDESTADDRREQ: 89, EDOM: 33, EDQUOT: 122, EEXIST: 17, EFAULT: 14, EFBIG: 27,
  EHOSTUNREACH: 113, EIDRM: 43, EILSEQ: 84, EINPROGRESS: 115, EINTR: 4, EINVAL: 22, EIO: 5, EISCONN: 106,
  EISDIR: 21, ELOOP: 40, EMFILE: 24, EMLINK: 31, EMSGSIZE: 90, EMULTIHOP: 72, ENAMETOOLONG: 36,
  ENETDOWN: 100, ENETRESET: 102, ENETUNREACH: 101, ENFILE: 23, ENOBUFS: 105, ENODATA: 61, ENODEV: 19,
  ENOENT: 2, ENOEXEC: 8, ENOLCK: 37, ENOLINK: 67, ENOMEM: 12, ENOMSG: 42, ENOPROTOOPT: 92, ENOSPC: 28,
  ENOSR: 63, ENOSTR: 60, ENOSYS: 38, ENOTCONN: 107, ENOTDIR: 20, ENOTEMPTY: 39, ENOTSOCK: 88, ENOTSUP: 95,
  ENOTTY: 25, ENXIO: 6, EOPNOTSUPP: 95, EOVERFLOW: 75, EPERM: 1, EPIPE: 32, EPROTO: 71, EPROTONOSUPPORT: 93,
  EPROTOTYPE: 91, ERANGE: 34, EROFS: 30, ESPIPE: 29, ESRCH: 3, ESTALE: 116, ETIME: 62, ETIMEDOUT: 110,
  ETXTBSY: 26, EWOULDBLOCK: 11, EXDEV: 18,
};

const NAMES = new Map<number, string>();
for (const [name, num] of Object.entries(NUMBERS)) {
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
  const n = NUMBERS[name];
  if (n === undefined) throw new Error(`unknown errno name ${name}`);
  return n;
}
