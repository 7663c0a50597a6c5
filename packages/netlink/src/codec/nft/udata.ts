// Userdata: opaque to the kernel, a list of TLVs {u8 type, u8 len, value} to nft, which keeps
// comments there (NFTNL_UDATA_*_COMMENT, a NUL-terminated string) and, for sets, the byte order of
// keys and data so that it can print them.
import { BYTEORDER, UDATA } from './constants';

export interface Tlv {
  type: number;
  value: Buffer;
}

/** nft's limit on a comment (NFT_USERDATA_MAXLEN less the TLV header is what the kernel allows). */
export const COMMENT_MAX = 128;

export function encodeTlvs(tlvs: readonly Tlv[]): Buffer {
  const parts: Buffer[] = [];
  for (const t of tlvs) {
    if (t.value.length > 255) throw new RangeError(`userdata value of ${t.value.length} bytes`);
    parts.push(Buffer.from([t.type, t.value.length]), t.value);
  }
  return Buffer.concat(parts);
}

export function decodeTlvs(buf: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let off = 0;
  while (off + 2 <= buf.length) {
    const len = buf[off + 1]!;
    if (off + 2 + len > buf.length) break;
    out.push({ type: buf[off]!, value: buf.subarray(off + 2, off + 2 + len) });
    off += 2 + len;
  }
  return out;
}

const cstr = (s: string): Buffer => Buffer.from(`${s}\0`);
const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
};

/** A comment TLV (tables, chains and rules use type 0), checked against nft's 128-byte limit. */
export function commentTlv(comment: string, type: number = UDATA.COMMENT): Tlv {
  const value = cstr(comment);
  if (value.length - 1 > COMMENT_MAX) throw new RangeError(`comment longer than ${COMMENT_MAX} bytes`);
  return { type, value };
}

/** The userdata of a table, chain or rule with only a comment. */
export function commentUserdata(comment: string | undefined): Buffer | undefined {
  return comment === undefined ? undefined : encodeTlvs([commentTlv(comment)]);
}

/** The comment in userdata (type 0 for tables/chains/rules, 7 for sets). */
export function userdataComment(udata: Buffer | undefined, type: number = UDATA.COMMENT): string | undefined {
  if (!udata) return undefined;
  const t = decodeTlvs(udata).find((x) => x.type === type);
  if (!t) return undefined;
  const nul = t.value.indexOf(0);
  return t.value.toString('utf8', 0, nul === -1 ? t.value.length : nul);
}

export type ByteOrder = keyof typeof BYTEORDER;

/** What nft keeps in a set's userdata: how to print keys and data, whether to merge intervals, a comment. */
export interface SetUserdata {
  keyByteorder?: ByteOrder;
  dataByteorder?: ByteOrder;
  mergeElements?: boolean;
  comment?: string;
}

export function encodeSetUserdata(u: SetUserdata): Buffer | undefined {
  const tlvs: Tlv[] = [];
  if (u.keyByteorder) tlvs.push({ type: UDATA.SET_KEYBYTEORDER, value: u32(BYTEORDER[u.keyByteorder]) });
  if (u.dataByteorder) tlvs.push({ type: UDATA.SET_DATABYTEORDER, value: u32(BYTEORDER[u.dataByteorder]) });
  if (u.mergeElements) tlvs.push({ type: UDATA.SET_MERGE_ELEMENTS, value: u32(1) });
  if (u.comment !== undefined) tlvs.push(commentTlv(u.comment, UDATA.SET_COMMENT));
  return tlvs.length ? encodeTlvs(tlvs) : undefined;
}

function byteOrder(v: Buffer): ByteOrder | undefined {
  const n = v.length >= 4 ? v.readUInt32LE(0) : -1;
  return (Object.keys(BYTEORDER) as ByteOrder[]).find((k) => BYTEORDER[k] === n);
}

export function decodeSetUserdata(udata: Buffer | undefined): SetUserdata {
  const out: SetUserdata = {};
  if (!udata) return out;
  for (const t of decodeTlvs(udata)) {
    if (t.type === UDATA.SET_KEYBYTEORDER) {
      const o = byteOrder(t.value);
      if (o) out.keyByteorder = o;
    } else if (t.type === UDATA.SET_DATABYTEORDER) {
      const o = byteOrder(t.value);
      if (o) out.dataByteorder = o;
    } else if (t.type === UDATA.SET_MERGE_ELEMENTS) {
      out.mergeElements = t.value.length >= 4 && t.value.readUInt32LE(0) !== 0;
    } else if (t.type === UDATA.SET_COMMENT) {
      out.comment = userdataComment(encodeTlvs([t]), UDATA.SET_COMMENT);
    }
  }
  return out;
}
