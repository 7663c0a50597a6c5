import { align4 } from './attr';

/** One netlink message: the nlmsghdr fields and the payload after the header. */
export interface NlMsg {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  data: Buffer;
}

export const NLMSG_HDRLEN = 16;

/** Encodes a message from its header fields and payload parts (each part is copied as is). */
export function encodeNlmsg(type: number, flags: number, seq: number, pid: number, ...parts: Buffer[]): Buffer {
  const bodyLen = parts.reduce((n, p) => n + p.length, 0);
  const len = NLMSG_HDRLEN + bodyLen;
  const out = Buffer.alloc(align4(len));
  out.writeUInt32LE(len, 0);
  out.writeUInt16LE(type, 4);
  out.writeUInt16LE(flags, 6);
  out.writeUInt32LE(seq >>> 0, 8);
  out.writeUInt32LE(pid >>> 0, 12);
  let off = NLMSG_HDRLEN;
  for (const p of parts) {
    p.copy(out, off);
    off += p.length;
  }
  return out;
}

export function encodeMsg(m: NlMsg): Buffer {
  return encodeNlmsg(m.type, m.flags, m.seq, m.pid, m.data);
}

/** Splits a datagram into messages. Throws on a truncated header: that is a bug, not kernel data. */
export function parseNlmsgs(buf: Buffer): NlMsg[] {
  const out: NlMsg[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) {
      throw new Error(`malformed netlink message at offset ${off}: length ${len} of ${buf.length}`);
    }
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      data: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}
