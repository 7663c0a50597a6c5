// The u32 classifier (cls_u32): TCA_OPTIONS of kind "u32". Values from linux/pkt_cls.h.
import { AttrMap, nla, type Attr } from './attr';
import { decodeActions, encodeActions, type ActionMessage, type TcAction } from './action';

export const TCA_U32 = {
  CLASSID: 1,
  HASH: 2,
  LINK: 3,
  DIVISOR: 4,
  SEL: 5,
  POLICE: 6,
  ACT: 7,
  INDEV: 8,
  PCNT: 9,
  MARK: 10,
  FLAGS: 11,
} as const;

/** tc_u32_sel.flags */
export const TC_U32 = { TERMINAL: 1, OFFSET: 2, VAROFFSET: 4, EAT: 8 } as const;

/** TCA_CLS_FLAGS_* (TCA_U32_FLAGS): offload state. */
export const TCA_CLS_FLAGS = { SKIP_HW: 1, SKIP_SW: 2, IN_HW: 4, NOT_IN_HW: 8, VERBOSE: 16 } as const;

/** struct tc_u32_key: `val` under `mask` at byte offset `off` (mask and val in network order, as written). */
export interface U32Key {
  mask: number;
  val: number;
  off: number;
  offmask: number;
}

/** struct tc_u32_sel */
export interface U32Sel {
  flags: number;
  offshift?: number;
  offmask?: number;
  off?: number;
  offoff?: number;
  hoff?: number;
  hmask?: number;
  keys: U32Key[];
}

const SEL_LEN = 16;
const KEY_LEN = 16;

/** A selector that matches every packet: one all-zero key, terminal (what vishvananda sends for a nil Sel). */
export const U32_MATCH_ALL: Readonly<U32Sel> = Object.freeze({
  flags: TC_U32.TERMINAL,
  keys: [{ mask: 0, val: 0, off: 0, offmask: 0 }],
});

export function encodeU32Sel(s: U32Sel): Buffer {
  const b = Buffer.alloc(SEL_LEN + KEY_LEN * s.keys.length);
  b.writeUInt8(s.flags, 0);
  b.writeUInt8(s.offshift ?? 0, 1);
  b.writeUInt8(s.keys.length, 2);
  b.writeUInt16BE(s.offmask ?? 0, 4);
  b.writeUInt16LE(s.off ?? 0, 6);
  b.writeInt16LE(s.offoff ?? 0, 8);
  b.writeInt16LE(s.hoff ?? 0, 10);
  b.writeUInt32BE((s.hmask ?? 0) >>> 0, 12);
  s.keys.forEach((k, i) => {
    const o = SEL_LEN + i * KEY_LEN;
    b.writeUInt32BE(k.mask >>> 0, o);
    b.writeUInt32BE(k.val >>> 0, o + 4);
    b.writeInt32LE(k.off, o + 8);
    b.writeInt32LE(k.offmask, o + 12);
  });
  return b;
}

export function decodeU32Sel(b: Buffer): U32Sel | undefined {
  if (b.length < SEL_LEN) return undefined;
  const n = Math.min(b.readUInt8(2), Math.floor((b.length - SEL_LEN) / KEY_LEN));
  const keys: U32Key[] = [];
  for (let i = 0; i < n; i++) {
    const o = SEL_LEN + i * KEY_LEN;
    keys.push({ mask: b.readUInt32BE(o), val: b.readUInt32BE(o + 4), off: b.readInt32LE(o + 8), offmask: b.readInt32LE(o + 12) });
  }
  return {
    flags: b.readUInt8(0),
    offshift: b.readUInt8(1),
    offmask: b.readUInt16BE(4),
    off: b.readUInt16LE(6),
    offoff: b.readInt16LE(8),
    hoff: b.readInt16LE(10),
    hmask: b.readUInt32BE(12),
    keys,
  };
}

/** What a u32 node carries in both directions. */
interface U32Common {
  sel?: U32Sel;
  /** the class (flowid) a match selects, a tc handle. */
  classid?: number;
  divisor?: number;
  /** the hash table (and bucket) the node goes into. */
  hash?: number;
  /** the hash table a match continues in. */
  link?: number;
  /** TCA_CLS_FLAGS_*: SKIP_HW / SKIP_SW when sent; IN_HW / NOT_IN_HW when read. */
  flags?: number;
}

/** A u32 filter node to send. */
export interface U32Options extends U32Common {
  actions?: readonly ActionMessage[];
}

/** A u32 node as the kernel reports it: the hash table (divisor only) or a key node. */
export interface U32Data extends U32Common {
  indev?: string;
  actions?: TcAction[];
}

/** TCA_OPTIONS attributes of a u32 filter, in the order `tc filter add ... u32` sends them. */
export function encodeU32(o: U32Options): Attr[] {
  const out: Attr[] = [];
  if (o.divisor !== undefined) out.push(nla.u32(TCA_U32.DIVISOR, o.divisor));
  if (o.hash !== undefined) out.push(nla.u32(TCA_U32.HASH, o.hash));
  if (o.link !== undefined) out.push(nla.u32(TCA_U32.LINK, o.link));
  if (o.classid !== undefined) out.push(nla.u32(TCA_U32.CLASSID, o.classid));
  if (o.flags !== undefined) out.push(nla.u32(TCA_U32.FLAGS, o.flags));
  if (o.actions?.length) out.push(nla.nest(TCA_U32.ACT, encodeActions(o.actions)));
  if (o.sel) out.push(nla.raw(TCA_U32.SEL, encodeU32Sel(o.sel)));
  return out;
}

export function decodeU32(m: AttrMap): U32Data {
  const d: U32Data = {};
  const sel = m.get(TCA_U32.SEL);
  if (sel) {
    const s = decodeU32Sel(sel);
    if (s) d.sel = s;
  }
  const set = <K extends keyof U32Data>(k: K, v: U32Data[K] | undefined) => {
    if (v !== undefined) d[k] = v;
  };
  set('classid', m.u32(TCA_U32.CLASSID));
  set('divisor', m.u32(TCA_U32.DIVISOR));
  set('hash', m.u32(TCA_U32.HASH));
  set('link', m.u32(TCA_U32.LINK));
  set('flags', m.u32(TCA_U32.FLAGS));
  set('indev', m.str(TCA_U32.INDEV));
  const act = m.nested(TCA_U32.ACT);
  if (act) d.actions = decodeActions(act);
  return d;
}
