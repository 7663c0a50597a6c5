import { AttrMap } from './attr';
import { NLMSGERR_ATTR, NLM_F } from './constants';
import { NLMSG_HDRLEN, type NlMsg } from './nlmsg';

/** A decoded NLMSG_ERROR (error 0 = ACK) or NLMSG_DONE payload with its extended ACK. */
export interface NlError {
  /** positive errno, 0 for an ACK. */
  errno: number;
  /** NLMSGERR_ATTR_MSG */
  message?: string;
  /** NLMSGERR_ATTR_OFFS: offset of the offending attribute in the request. */
  offset?: number;
  /** header of the request being answered. */
  request?: { len: number; type: number; flags: number; seq: number; pid: number };
}

/** The kernel sends -errno; avoid -0 for ACKs. */
const negate = (n: number): number => (n === 0 ? 0 : -n);

export function decodeError(msg: NlMsg): NlError {
  const d = msg.data;
  if (d.length < 4) return { errno: 0 };
  const out: NlError = { errno: negate(d.readInt32LE(0)) };
  if (d.length < 4 + NLMSG_HDRLEN) return out;
  const reqLen = d.readUInt32LE(4);
  out.request = {
    len: reqLen,
    type: d.readUInt16LE(8),
    flags: d.readUInt16LE(10),
    seq: d.readUInt32LE(12),
    pid: d.readUInt32LE(16),
  };
  if (!(msg.flags & NLM_F.ACK_TLVS)) return out;
  // The request is echoed in full unless the kernel capped it (NETLINK_CAP_ACK) to its header.
  const echoed = msg.flags & NLM_F.CAPPED ? NLMSG_HDRLEN : (reqLen + 3) & ~3;
  const tlvs = new AttrMap(d.subarray(4 + echoed));
  const text = tlvs.str(NLMSGERR_ATTR.MSG);
  if (text) out.message = text;
  const off = tlvs.u32(NLMSGERR_ATTR.OFFS);
  if (off !== undefined) out.offset = off;
  return out;
}

/** NLMSG_DONE carries an int error too (and extended ACK TLVs right after it). */
export function decodeDone(msg: NlMsg): NlError {
  const d = msg.data;
  if (d.length < 4) return { errno: 0 };
  const out: NlError = { errno: negate(d.readInt32LE(0)) };
  if (msg.flags & NLM_F.ACK_TLVS) {
    const text = new AttrMap(d.subarray(4)).str(NLMSGERR_ATTR.MSG);
    if (text) out.message = text;
  }
  return out;
}
