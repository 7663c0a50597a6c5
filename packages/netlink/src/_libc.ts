import { koffi } from './_koffi';

type Fn<A extends unknown[], R> = (...args: A) => R;
type Ptr = Buffer | null;

/** The libc functions we call. Each is a plain (synchronous) koffi call on the calling JS thread. */
export interface Libc {
  socket: Fn<[domain: number, type: number, protocol: number], number>;
  bind: Fn<[fd: number, addr: Buffer, len: number], number>;
  getsockname: Fn<[fd: number, addr: Buffer, len: Buffer], number>;
  setsockopt: Fn<[fd: number, level: number, name: number, value: Buffer, len: number], number>;
  getsockopt: Fn<[fd: number, level: number, name: number, value: Buffer, len: Buffer], number>;
  sendto: Fn<[fd: number, buf: Buffer, len: number, flags: number, addr: Ptr, addrlen: number], number>;
  recvfrom: Fn<[fd: number, buf: Buffer, len: number, flags: number, addr: Ptr, addrlen: Ptr], number>;
  close: Fn<[fd: number], number>;
  setns: Fn<[fd: number, nstype: number], number>;
  unshare: Fn<[flags: number], number>;
  mount: Fn<[src: string | null, target: string, fstype: string | null, flags: number, data: Ptr], number>;
  umount2: Fn<[target: string, flags: number], number>;
  flock: Fn<[fd: number, op: number], number>;
  statfs: Fn<[path: string, buf: Buffer], number>;
  fstatfs: Fn<[fd: number, buf: Buffer], number>;
  madvise: Fn<[addr: bigint, len: bigint, advice: number], number>;
  mallocTrim: Fn<[pad: number], number>;
  /** ioctl(fd, request, void *arg) */
  ioctlPtr: Fn<[fd: number, request: number, arg: Buffer], number>;
  /** ioctl(fd, request, int arg) */
  ioctlInt: Fn<[fd: number, request: number, arg: number], number>;
  errno: () => number;
  /** Address of a Buffer's memory, for structs that carry pointers (ethtool's ifr_data). */
  address: (buf: Buffer) => bigint;
}

let bound: Libc | undefined;

/** Binds libc once, on first use. */
export function libc(): Libc {
  if (bound) return bound;
  const k = koffi();
  const lib = k.load('libc.so.6');
  const ioctl = lib.func('int ioctl(int fd, unsigned long request, ...)');
  bound = {
    socket: lib.func('int socket(int, int, int)'),
    bind: lib.func('int bind(int, void *, uint32_t)'),
    getsockname: lib.func('int getsockname(int, void *, void *)'),
    setsockopt: lib.func('int setsockopt(int, int, int, void *, uint32_t)'),
    getsockopt: lib.func('int getsockopt(int, int, int, void *, void *)'),
    sendto: lib.func('long sendto(int, void *, size_t, int, void *, uint32_t)'),
    recvfrom: lib.func('long recvfrom(int, void *, size_t, int, void *, void *)'),
    close: lib.func('int close(int)'),
    setns: lib.func('int setns(int, int)'),
    unshare: lib.func('int unshare(int)'),
    mount: lib.func('int mount(const char *, const char *, const char *, unsigned long, void *)'),
    umount2: lib.func('int umount2(const char *, int)'),
    flock: lib.func('int flock(int, int)'),
    statfs: lib.func('int statfs(const char *, void *)'),
    fstatfs: lib.func('int fstatfs(int, void *)'),
    madvise: lib.func('int madvise(uintptr_t, size_t, int)'),
    mallocTrim: lib.func('int malloc_trim(size_t)'),
    ioctlPtr: (fd, request, arg) => ioctl(fd, request, 'void *', arg),
    ioctlInt: (fd, request, arg) => ioctl(fd, request, 'int', arg),
    errno: () => k.errno(),
    address: (buf) => k.address(buf),
  };
  return bound;
}
