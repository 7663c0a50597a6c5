// The nfnetlink header (struct nfgenmsg) that starts every nf_tables and ctnetlink message, the
// batch delimiters, and the big-endian attribute helpers nf_tables uses (its integers are NLA_BE32
// and NLA_BE64, unlike rtnetlink's host-order ones).
import { AttrMap, encodeAttrs, NLA_F_NESTED, type Attr } from '../attr';
import { NFNL_BATCH_GENID, NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END, NFNL_SUBSYS, NFPROTO } from './constants';

export type NftFamily = Exclude<keyof typeof NFPROTO, 'unspec'>;

/** struct nfgenmsg: family, version (0), res_id (big endian). */
export interface NfGenMsg {
  family: number;
  version: number;
  resId: number;
}

export const NFGENMSG_LEN = 4;

export function encodeNfgen(family: number, resId = 0): Buffer {
  const b = Buffer.alloc(NFGENMSG_LEN);
  b.writeUInt8(family, 0);
  b.writeUInt8(0, 1);
  b.writeUInt16BE(resId, 2);
  return b;
}

export function decodeNfgen(data: Buffer): NfGenMsg {
  return { family: data.readUInt8(0), version: data.readUInt8(1), resId: data.readUInt16BE(2) };
}

/** nlmsg_type of an nf_tables message. */
export const nftType = (msg: number): number => (NFNL_SUBSYS.NFTABLES << 8) | msg;
/** nlmsg_type of a ctnetlink message. */
export const ctType = (msg: number): number => (NFNL_SUBSYS.CTNETLINK << 8) | msg;

export function familyNumber(f: NftFamily): number {
  const n = NFPROTO[f];
  if (n === undefined) throw new TypeError(`unknown nftables family ${JSON.stringify(f)}`);
  return n;
}

export function familyName(n: number): NftFamily {
  for (const [k, v] of Object.entries(NFPROTO)) if (v === n && k !== 'unspec') return k as NftFamily;
  throw new Error(`unknown nftables family ${n}`);
}

/** NFNL_MSG_BATCH_BEGIN body for the nf_tables subsystem, with the generation it expects if given. */
export function encodeBatchBegin(genid?: number): Buffer {
  const head = encodeNfgen(0, NFNL_SUBSYS.NFTABLES);
  return genid === undefined ? head : Buffer.concat([head, encodeAttrs([be32(NFNL_BATCH_GENID, genid)])]);
}

export const BATCH_BEGIN = NFNL_MSG_BATCH_BEGIN;
export const BATCH_END = NFNL_MSG_BATCH_END;
export const encodeBatchEnd = (): Buffer => encodeNfgen(0, NFNL_SUBSYS.NFTABLES);

// ---- attributes ----

export const be32 = (type: number, v: number): Attr => {
  const data = Buffer.alloc(4);
  data.writeUInt32BE(v >>> 0);
  return { type, data };
};
export const be64 = (type: number, v: number | bigint): Attr => {
  const data = Buffer.alloc(8);
  data.writeBigUInt64BE(BigInt(v));
  return { type, data };
};
export const be16 = (type: number, v: number): Attr => {
  const data = Buffer.alloc(2);
  data.writeUInt16BE(v);
  return { type, data };
};
export const u8 = (type: number, v: number): Attr => ({ type, data: Buffer.from([v]) });
export const str = (type: number, s: string): Attr => ({ type, data: Buffer.from(`${s}\0`) });
export const raw = (type: number, data: Buffer): Attr => ({ type, data });
/** A nested attribute, flagged NLA_F_NESTED as libmnl flags them. */
export const nest = (type: number, children: readonly Attr[]): Attr => ({ type: type | NLA_F_NESTED, data: encodeAttrs(children) });

/** A message body: the nfgenmsg header, then the attributes. */
export function encodeNftBody(family: number, attrs: readonly Attr[]): Buffer {
  return Buffer.concat([encodeNfgen(family), encodeAttrs(attrs)]);
}

/** Reads the big-endian integers of an nf_tables attribute map. */
export const get = {
  be32: (m: AttrMap, type: number): number | undefined => {
    const b = m.get(type);
    return b && b.length >= 4 ? b.readUInt32BE(0) : undefined;
  },
  i32: (m: AttrMap, type: number): number | undefined => {
    const b = m.get(type);
    return b && b.length >= 4 ? b.readInt32BE(0) : undefined;
  },
  be64: (m: AttrMap, type: number): number | undefined => {
    const b = m.get(type);
    return b && b.length >= 8 ? Number(b.readBigUInt64BE(0)) : undefined;
  },
  be64n: (m: AttrMap, type: number): bigint | undefined => {
    const b = m.get(type);
    return b && b.length >= 8 ? b.readBigUInt64BE(0) : undefined;
  },
};

/** The attributes after the nfgenmsg header of a message body. */
export function bodyAttrs(data: Buffer): { nfgen: NfGenMsg; attrs: AttrMap } {
  return { nfgen: decodeNfgen(data), attrs: new AttrMap(data.subarray(NFGENMSG_LEN)) };
}
