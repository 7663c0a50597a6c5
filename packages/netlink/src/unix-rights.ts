// SCM_RIGHTS: file descriptors sent along with bytes over a unix socket (recvmsg(2), unix(7)).
// Node's net sockets read with plain read(2), which drops them: a server that expects fds reads
// the message that carries them here first, with the socket paused (net's `pauseOnConnect`),
// and hands the bytes to its stream reader.
import { koffi } from './_koffi';
import { libc } from './_libc';
import { SyscallError } from './errors';

const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_DONTWAIT = 0x40;
const MSG_CTRUNC = 0x8;
const MSG_CMSG_CLOEXEC = 0x40000000;
const POLLIN = 0x1;
const EAGAIN = 11;
const EINTR = 4;

interface Calls {
  recvmsg: (fd: number, msg: Buffer, flags: number) => number;
  poll: ((fds: Buffer, n: number, ms: number) => number) & { async: (fds: Buffer, n: number, ms: number, cb: (err: unknown, r: number) => void) => void };
}

let calls: Calls | undefined;
function bind(): Calls {
  if (calls) return calls;
  const lib = koffi().load('libc.so.6');
  calls = { recvmsg: lib.func('long recvmsg(int, void *, int)'), poll: lib.func('int poll(void *, unsigned long, int)') } as Calls;
  return calls;
}

export interface WithRights {
  /** The bytes read (at most the size asked for; empty at end of stream). */
  data: Buffer;
  /** The fds that came with them, close-on-exec, now ours to close. */
  fds: number[];
}

/**
 * One non-blocking recvmsg of up to `size` bytes and `maxFds` fds; undefined when nothing is
 * there yet (EAGAIN). More fds than `maxFds` (a truncated control message) is an error, and every
 * fd that did arrive is closed first.
 */
export function receiveWithRights(fd: number, size: number, maxFds: number): WithRights | undefined {
  const k = koffi();
  const data = Buffer.alloc(size);
  const iov = Buffer.alloc(16);
  iov.writeBigUInt64LE(k.address(data), 0);
  iov.writeBigUInt64LE(BigInt(size), 8);
  const controlLen = 16 + 8 * Math.ceil(maxFds / 2);
  const control = Buffer.alloc(controlLen);
  const msg = Buffer.alloc(56);
  msg.writeBigUInt64LE(k.address(iov), 16);
  msg.writeBigUInt64LE(1n, 24);
  msg.writeBigUInt64LE(k.address(control), 32);
  msg.writeBigUInt64LE(BigInt(controlLen), 40);
  let n: number;
  do n = Number(bind().recvmsg(fd, msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC));
  while (n < 0 && libc().errno() === EINTR);
  if (n < 0) {
    const errno = libc().errno();
    if (errno === EAGAIN) return undefined;
    throw new SyscallError(errno, 'recvmsg', `fd ${fd}`);
  }
  const fds: number[] = [];
  const used = Number(msg.readBigUInt64LE(40));
  for (let off = 0; off + 16 <= used; ) {
    const len = Number(control.readBigUInt64LE(off));
    if (len < 16) break;
    if (control.readInt32LE(off + 8) === SOL_SOCKET && control.readInt32LE(off + 12) === SCM_RIGHTS) {
      for (let p = off + 16; p + 4 <= off + len; p += 4) fds.push(control.readInt32LE(p));
    }
    off += (len + 7) & ~7;
  }
  if (msg.readInt32LE(48) & MSG_CTRUNC) {
    for (const f of fds) libc().close(f);
    throw new Error(`recvmsg: more than ${maxFds} fds sent`);
  }
  return { data: data.subarray(0, n), fds };
}

/** Resolves true when `fd` is readable (or hung up) within `ms`; the wait runs on libuv's pool. */
export function whenReadable(fd: number, ms: number): Promise<boolean> {
  const pfd = Buffer.alloc(8);
  pfd.writeInt32LE(fd, 0);
  pfd.writeInt16LE(POLLIN, 4);
  return new Promise((resolve) => bind().poll.async(pfd, 1, ms, (err, r) => resolve(!err && r > 0)));
}

/**
 * The first message on a connection with the fds it carries: waits up to `ms` for it. Undefined
 * when nothing came in time.
 */
export async function firstMessageWithRights(fd: number, size: number, maxFds: number, ms: number): Promise<WithRights | undefined> {
  const now = receiveWithRights(fd, size, maxFds);
  if (now) return now;
  if (!(await whenReadable(fd, ms))) return undefined;
  return receiveWithRights(fd, size, maxFds);
}
