// SO_PEERCRED: who is at the other end of a connected unix socket (the kernel records the peer's
// pid, uid and gid at connect time; the peer cannot forge them). Servers on a unix socket check
// it before reading a request.
import { libc } from './_libc';
import { SyscallError } from './errors';

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;

export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

/** The credentials of the peer of the connected unix socket `fd`. */
export function peerCredentials(fd: number): PeerCredentials {
  const c = libc();
  const buf = Buffer.alloc(12);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(12);
  if (c.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, buf, len) !== 0) throw new SyscallError(c.errno(), 'getsockopt SO_PEERCRED', `fd ${fd}`);
  return { pid: buf.readInt32LE(0), uid: buf.readUInt32LE(4), gid: buf.readUInt32LE(8) };
}
