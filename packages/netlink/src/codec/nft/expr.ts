// nf_tables expressions: the register machine a rule is made of (NFTA_RULE_EXPRESSIONS holds a
// list of {NFTA_EXPR_NAME, NFTA_EXPR_DATA}). Each expression is encoded with its attributes in the
// order nft (libnftnl) sends them, so requests compare byte for byte with nft's; decoding accepts
// any order (kernel dumps differ) and keeps what the kernel reports.
import { AttrMap, NLA_F_NESTED, type Attr } from '../attr';
import {
  NFT_BITWISE,
  NFT_CMP,
  NFT_CT,
  NFT_DYNSET_OP,
  NFT_FIB_RESULT,
  NFT_LOOKUP_F_INV,
  NFT_META,
  NFT_NAT,
  NFT_NG,
  NFT_PAYLOAD_BASE,
  NFTA_BITWISE,
  NFTA_CMP,
  NFTA_COUNTER,
  NFTA_CT,
  NFTA_DYNSET,
  NFTA_EXPR,
  NFTA_FIB,
  NFTA_IMMEDIATE,
  NFTA_LIST_ELEM,
  NFTA_LOOKUP,
  NFTA_MASQ,
  NFTA_META,
  NFTA_NAT,
  NFTA_NG,
  NFTA_PAYLOAD,
  nameIn,
} from './constants';
import { dataValue, dataVerdict, decodeData, type NftVerdict } from './data';
import { be32, be64, familyName, familyNumber, get, nest, str, type NftFamily } from './nfgen';

type Key<T> = keyof T | number;
export type NftMetaKey = Key<typeof NFT_META>;
export type NftCtKey = Key<typeof NFT_CT>;
export type NftPayloadBase = keyof typeof NFT_PAYLOAD_BASE;
export type NftCmpOp = keyof typeof NFT_CMP;

/** meta: load a packet property into `dreg`, or set it from `sreg` (mark, priority, nftrace). */
export interface MetaExpr {
  type: 'meta';
  key: NftMetaKey;
  dreg?: number;
  sreg?: number;
}
/** payload: load `len` bytes at `offset` of a header into `dreg`, or write them from `sreg`. */
export interface PayloadExpr {
  type: 'payload';
  base: NftPayloadBase;
  offset: number;
  len: number;
  dreg?: number;
  sreg?: number;
  csumType?: number;
  csumOffset?: number;
  csumFlags?: number;
}
/** cmp: compare `sreg` with `data`; a mismatch ends the rule. */
export interface CmpExpr {
  type: 'cmp';
  sreg: number;
  op: NftCmpOp;
  data: Buffer;
}
/** bitwise: `dreg = (sreg & mask) ^ xor` (op bool), or a shift by `shift`. */
export interface BitwiseExpr {
  type: 'bitwise';
  sreg: number;
  dreg: number;
  len: number;
  /** 'bool' is the mask/xor form; nft sends the attribute for some statements only. */
  op?: keyof typeof NFT_BITWISE;
  mask?: Buffer;
  xor?: Buffer;
  shift?: number;
}
/** immediate: load a value into `dreg`, or (dreg 0) set the verdict. */
export interface ImmediateExpr {
  type: 'immediate';
  dreg: number;
  data?: Buffer;
  verdict?: NftVerdict;
}
export interface CounterExpr {
  type: 'counter';
  bytes?: bigint;
  packets?: bigint;
}
/** fib: route lookup (`flags`: NFTA_FIB_F_* bits) returning oif, oifname or the address type. */
export interface FibExpr {
  type: 'fib';
  flags: number;
  result: keyof typeof NFT_FIB_RESULT;
  dreg: number;
}
/** ct: load a conntrack property (state, mark, ...) into `dreg`, or set one from `sreg`. */
export interface CtExpr {
  type: 'ct';
  key: NftCtKey;
  dreg?: number;
  sreg?: number;
  direction?: 'original' | 'reply';
}
/** nat: snat/dnat to the address (and port) held in registers. `flags` are NF_NAT_RANGE_* bits. */
export interface NatExpr {
  type: 'nat';
  nat: keyof typeof NFT_NAT;
  family: Extract<NftFamily, 'ip' | 'ip6'>;
  regAddrMin?: number;
  regAddrMax?: number;
  regProtoMin?: number;
  regProtoMax?: number;
  flags?: number;
}
export interface MasqExpr {
  type: 'masq';
  flags?: number;
  regProtoMin?: number;
  regProtoMax?: number;
}
/** lookup: is `sreg` in the set (or, with `dreg`, load the map's value: dreg 0 = a verdict map). */
export interface LookupExpr {
  type: 'lookup';
  set: string;
  /** the set's transaction id, needed to refer to an anonymous set created in the same batch. */
  setId?: number;
  sreg: number;
  dreg?: number;
  invert?: boolean;
}
/** numgen: `dreg` = a counter or random number modulo `modulus`, plus `offset`. */
export interface NumgenExpr {
  type: 'numgen';
  mode: keyof typeof NFT_NG;
  modulus: number;
  dreg: number;
  offset?: number;
}
/** dynset: add/update/delete the key in `sregKey` (and data in `sregData`) in a set from the packet path. */
export interface DynsetExpr {
  type: 'dynset';
  op: keyof typeof NFT_DYNSET_OP;
  set: string;
  setId?: number;
  sregKey: number;
  sregData?: number;
  /** element timeout in ms (0 or absent: the set's default). */
  timeout?: number;
  flags?: number;
}
export interface NotrackExpr {
  type: 'notrack';
}
/** Any other expression, kept as its name and raw NFTA_EXPR_DATA. */
export interface OtherExpr {
  type: 'other';
  name: string;
  data?: Buffer;
}

export type NftExpr =
  | MetaExpr
  | PayloadExpr
  | CmpExpr
  | BitwiseExpr
  | ImmediateExpr
  | CounterExpr
  | FibExpr
  | CtExpr
  | NatExpr
  | MasqExpr
  | LookupExpr
  | NumgenExpr
  | DynsetExpr
  | NotrackExpr
  | OtherExpr;

const keyNum = <T extends Record<string, number>>(table: T, k: keyof T | number, what: string): number => {
  const n = typeof k === 'number' ? k : table[k];
  if (n === undefined) throw new TypeError(`unknown ${what} ${String(k)}`);
  return n;
};
const opt = (cond: unknown, a: () => Attr): Attr[] => (cond === undefined || cond === false ? [] : [a()]);

/** The NFTA_EXPR_DATA attributes of one expression, in libnftnl's order (undefined: no data nest). */
function exprData(e: NftExpr): Attr[] | undefined {
  switch (e.type) {
    case 'meta':
      return [
        be32(NFTA_META.KEY, keyNum(NFT_META, e.key, 'meta key')),
        ...opt(e.dreg, () => be32(NFTA_META.DREG, e.dreg!)),
        ...opt(e.sreg, () => be32(NFTA_META.SREG, e.sreg!)),
      ];
    case 'payload':
      return [
        ...opt(e.sreg, () => be32(NFTA_PAYLOAD.SREG, e.sreg!)),
        ...opt(e.dreg, () => be32(NFTA_PAYLOAD.DREG, e.dreg!)),
        be32(NFTA_PAYLOAD.BASE, NFT_PAYLOAD_BASE[e.base]),
        be32(NFTA_PAYLOAD.OFFSET, e.offset),
        be32(NFTA_PAYLOAD.LEN, e.len),
        ...opt(e.csumType, () => be32(NFTA_PAYLOAD.CSUM_TYPE, e.csumType!)),
        ...opt(e.csumOffset, () => be32(NFTA_PAYLOAD.CSUM_OFFSET, e.csumOffset!)),
        ...opt(e.csumFlags, () => be32(NFTA_PAYLOAD.CSUM_FLAGS, e.csumFlags!)),
      ];
    case 'cmp':
      return [be32(NFTA_CMP.SREG, e.sreg), be32(NFTA_CMP.OP, NFT_CMP[e.op]), dataValue(NFTA_CMP.DATA, e.data)];
    case 'bitwise':
      return [
        be32(NFTA_BITWISE.SREG, e.sreg),
        be32(NFTA_BITWISE.DREG, e.dreg),
        ...opt(e.op, () => be32(NFTA_BITWISE.OP, NFT_BITWISE[e.op!])),
        be32(NFTA_BITWISE.LEN, e.len),
        ...opt(e.mask, () => dataValue(NFTA_BITWISE.MASK, e.mask!)),
        ...opt(e.xor, () => dataValue(NFTA_BITWISE.XOR, e.xor!)),
        ...opt(e.shift, () => {
          const b = Buffer.alloc(4);
          b.writeUInt32LE(e.shift!);
          return dataValue(NFTA_BITWISE.DATA, b);
        }),
      ];
    case 'immediate': {
      if ((e.data === undefined) === (e.verdict === undefined)) throw new TypeError('immediate needs data or a verdict');
      const d = e.verdict !== undefined ? dataVerdict(NFTA_IMMEDIATE.DATA, e.verdict) : dataValue(NFTA_IMMEDIATE.DATA, e.data!);
      return [be32(NFTA_IMMEDIATE.DREG, e.dreg), d];
    }
    case 'counter':
      return [...opt(e.bytes, () => be64(NFTA_COUNTER.BYTES, e.bytes!)), ...opt(e.packets, () => be64(NFTA_COUNTER.PACKETS, e.packets!))];
    case 'fib':
      return [be32(NFTA_FIB.FLAGS, e.flags), be32(NFTA_FIB.RESULT, NFT_FIB_RESULT[e.result]), be32(NFTA_FIB.DREG, e.dreg)];
    case 'ct':
      return [
        be32(NFTA_CT.KEY, keyNum(NFT_CT, e.key, 'ct key')),
        ...opt(e.dreg, () => be32(NFTA_CT.DREG, e.dreg!)),
        ...opt(e.direction, () => ({ type: NFTA_CT.DIRECTION, data: Buffer.from([e.direction === 'reply' ? 1 : 0]) })),
        ...opt(e.sreg, () => be32(NFTA_CT.SREG, e.sreg!)),
      ];
    case 'nat':
      return [
        be32(NFTA_NAT.TYPE, NFT_NAT[e.nat]),
        be32(NFTA_NAT.FAMILY, familyNumber(e.family)),
        ...opt(e.regAddrMin, () => be32(NFTA_NAT.REG_ADDR_MIN, e.regAddrMin!)),
        ...opt(e.regAddrMax, () => be32(NFTA_NAT.REG_ADDR_MAX, e.regAddrMax!)),
        ...opt(e.regProtoMin, () => be32(NFTA_NAT.REG_PROTO_MIN, e.regProtoMin!)),
        ...opt(e.regProtoMax, () => be32(NFTA_NAT.REG_PROTO_MAX, e.regProtoMax!)),
        ...opt(e.flags, () => be32(NFTA_NAT.FLAGS, e.flags!)),
      ];
    case 'masq':
      return [
        ...opt(e.flags, () => be32(NFTA_MASQ.FLAGS, e.flags!)),
        ...opt(e.regProtoMin, () => be32(NFTA_MASQ.REG_PROTO_MIN, e.regProtoMin!)),
        ...opt(e.regProtoMax, () => be32(NFTA_MASQ.REG_PROTO_MAX, e.regProtoMax!)),
      ];
    case 'lookup':
      return [
        be32(NFTA_LOOKUP.SREG, e.sreg),
        ...opt(e.dreg, () => be32(NFTA_LOOKUP.DREG, e.dreg!)),
        str(NFTA_LOOKUP.SET, e.set),
        ...opt(e.setId, () => be32(NFTA_LOOKUP.SET_ID, e.setId!)),
        ...opt(e.invert, () => be32(NFTA_LOOKUP.FLAGS, NFT_LOOKUP_F_INV)),
      ];
    case 'numgen':
      return [
        be32(NFTA_NG.DREG, e.dreg),
        be32(NFTA_NG.MODULUS, e.modulus),
        be32(NFTA_NG.TYPE, NFT_NG[e.mode]),
        be32(NFTA_NG.OFFSET, e.offset ?? 0),
      ];
    case 'dynset':
      return [
        be32(NFTA_DYNSET.SREG_KEY, e.sregKey),
        ...opt(e.sregData, () => be32(NFTA_DYNSET.SREG_DATA, e.sregData!)),
        be32(NFTA_DYNSET.OP, NFT_DYNSET_OP[e.op]),
        str(NFTA_DYNSET.SET_NAME, e.set),
        ...opt(e.setId, () => be32(NFTA_DYNSET.SET_ID, e.setId!)),
        ...opt(e.timeout, () => be64(NFTA_DYNSET.TIMEOUT, e.timeout!)),
        ...opt(e.flags, () => be32(NFTA_DYNSET.FLAGS, e.flags!)),
      ];
    case 'notrack':
    case 'other':
      return undefined;
  }
}

/** One {NFTA_EXPR_NAME, NFTA_EXPR_DATA} element of NFTA_RULE_EXPRESSIONS. */
export function encodeExpr(e: NftExpr): Attr {
  const data = exprData(e);
  const inner: Attr[] = [str(NFTA_EXPR.NAME, e.type === 'other' ? e.name : e.type)];
  if (e.type === 'other') {
    if (e.data) inner.push({ type: NFTA_EXPR.DATA | NLA_F_NESTED, data: e.data });
  } else if (data !== undefined) {
    inner.push(nest(NFTA_EXPR.DATA, data));
  }
  return nest(NFTA_LIST_ELEM, inner);
}

/** NFTA_RULE_EXPRESSIONS (or any list of expressions). */
export const encodeExprs = (type: number, exprs: readonly NftExpr[]): Attr => nest(type, exprs.map(encodeExpr));

const must = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw new Error(`expression without ${what}`);
  return v;
};
const nameOr = <T extends Record<string, number>>(table: T, v: number): keyof T | number => nameIn(table, v);

function decodeOne(name: string, dataMap: AttrMap | undefined, rawData: Buffer | undefined): NftExpr {
  const m = dataMap ?? new AttrMap(Buffer.alloc(0));
  const u32 = (t: number) => get.be32(m, t);
  const req = (t: number, what: string) => must(u32(t), what);
  switch (name) {
    case 'meta': {
      const e: MetaExpr = { type: 'meta', key: nameOr(NFT_META, req(NFTA_META.KEY, 'meta key')) };
      if (m.has(NFTA_META.DREG)) e.dreg = u32(NFTA_META.DREG)!;
      if (m.has(NFTA_META.SREG)) e.sreg = u32(NFTA_META.SREG)!;
      return e;
    }
    case 'payload': {
      const e: PayloadExpr = {
        type: 'payload',
        base: nameIn(NFT_PAYLOAD_BASE, req(NFTA_PAYLOAD.BASE, 'payload base')) as NftPayloadBase,
        offset: req(NFTA_PAYLOAD.OFFSET, 'payload offset'),
        len: req(NFTA_PAYLOAD.LEN, 'payload len'),
      };
      if (m.has(NFTA_PAYLOAD.DREG)) e.dreg = u32(NFTA_PAYLOAD.DREG)!;
      if (m.has(NFTA_PAYLOAD.SREG)) e.sreg = u32(NFTA_PAYLOAD.SREG)!;
      if (m.has(NFTA_PAYLOAD.CSUM_TYPE)) e.csumType = u32(NFTA_PAYLOAD.CSUM_TYPE)!;
      if (m.has(NFTA_PAYLOAD.CSUM_OFFSET)) e.csumOffset = u32(NFTA_PAYLOAD.CSUM_OFFSET)!;
      if (m.has(NFTA_PAYLOAD.CSUM_FLAGS)) e.csumFlags = u32(NFTA_PAYLOAD.CSUM_FLAGS)!;
      return e;
    }
    case 'cmp': {
      const data = decodeData(must(m.get(NFTA_CMP.DATA), 'cmp data'));
      if (!('value' in data)) throw new Error('cmp with a verdict');
      return { type: 'cmp', sreg: req(NFTA_CMP.SREG, 'cmp sreg'), op: nameIn(NFT_CMP, req(NFTA_CMP.OP, 'cmp op')) as NftCmpOp, data: data.value };
    }
    case 'bitwise': {
      const e: BitwiseExpr = { type: 'bitwise', sreg: req(NFTA_BITWISE.SREG, 'sreg'), dreg: req(NFTA_BITWISE.DREG, 'dreg'), len: req(NFTA_BITWISE.LEN, 'len') };
      if (m.has(NFTA_BITWISE.OP)) e.op = nameIn(NFT_BITWISE, u32(NFTA_BITWISE.OP)!) as BitwiseExpr['op'];
      const val = (t: number) => {
        const b = m.get(t);
        if (!b) return undefined;
        const d = decodeData(b);
        return 'value' in d ? d.value : undefined;
      };
      const mask = val(NFTA_BITWISE.MASK);
      const xor = val(NFTA_BITWISE.XOR);
      const shift = val(NFTA_BITWISE.DATA);
      if (mask) e.mask = mask;
      if (xor) e.xor = xor;
      if (shift) e.shift = shift.readUInt32LE(0);
      return e;
    }
    case 'immediate': {
      const data = decodeData(must(m.get(NFTA_IMMEDIATE.DATA), 'immediate data'));
      const dreg = req(NFTA_IMMEDIATE.DREG, 'immediate dreg');
      return 'value' in data ? { type: 'immediate', dreg, data: data.value } : { type: 'immediate', dreg, verdict: data.verdict };
    }
    case 'counter': {
      const e: CounterExpr = { type: 'counter' };
      const bytes = get.be64n(m, NFTA_COUNTER.BYTES);
      const packets = get.be64n(m, NFTA_COUNTER.PACKETS);
      if (bytes !== undefined) e.bytes = bytes;
      if (packets !== undefined) e.packets = packets;
      return e;
    }
    case 'fib':
      return {
        type: 'fib',
        flags: req(NFTA_FIB.FLAGS, 'fib flags'),
        result: nameIn(NFT_FIB_RESULT, req(NFTA_FIB.RESULT, 'fib result')) as FibExpr['result'],
        dreg: req(NFTA_FIB.DREG, 'fib dreg'),
      };
    case 'ct': {
      const e: CtExpr = { type: 'ct', key: nameOr(NFT_CT, req(NFTA_CT.KEY, 'ct key')) };
      if (m.has(NFTA_CT.DREG)) e.dreg = u32(NFTA_CT.DREG)!;
      if (m.has(NFTA_CT.SREG)) e.sreg = u32(NFTA_CT.SREG)!;
      const dir = m.u8(NFTA_CT.DIRECTION);
      if (dir !== undefined) e.direction = dir === 1 ? 'reply' : 'original';
      return e;
    }
    case 'nat': {
      const fam = familyName(req(NFTA_NAT.FAMILY, 'nat family'));
      if (fam !== 'ip' && fam !== 'ip6') throw new Error(`nat family ${fam}`);
      const e: NatExpr = { type: 'nat', nat: nameIn(NFT_NAT, req(NFTA_NAT.TYPE, 'nat type')) as NatExpr['nat'], family: fam };
      if (m.has(NFTA_NAT.REG_ADDR_MIN)) e.regAddrMin = u32(NFTA_NAT.REG_ADDR_MIN)!;
      if (m.has(NFTA_NAT.REG_ADDR_MAX)) e.regAddrMax = u32(NFTA_NAT.REG_ADDR_MAX)!;
      if (m.has(NFTA_NAT.REG_PROTO_MIN)) e.regProtoMin = u32(NFTA_NAT.REG_PROTO_MIN)!;
      if (m.has(NFTA_NAT.REG_PROTO_MAX)) e.regProtoMax = u32(NFTA_NAT.REG_PROTO_MAX)!;
      if (m.has(NFTA_NAT.FLAGS)) e.flags = u32(NFTA_NAT.FLAGS)!;
      return e;
    }
    case 'masq': {
      const e: MasqExpr = { type: 'masq' };
      if (m.has(NFTA_MASQ.FLAGS)) e.flags = u32(NFTA_MASQ.FLAGS)!;
      if (m.has(NFTA_MASQ.REG_PROTO_MIN)) e.regProtoMin = u32(NFTA_MASQ.REG_PROTO_MIN)!;
      if (m.has(NFTA_MASQ.REG_PROTO_MAX)) e.regProtoMax = u32(NFTA_MASQ.REG_PROTO_MAX)!;
      return e;
    }
    case 'lookup': {
      const e: LookupExpr = { type: 'lookup', set: must(m.str(NFTA_LOOKUP.SET), 'lookup set'), sreg: req(NFTA_LOOKUP.SREG, 'lookup sreg') };
      if (m.has(NFTA_LOOKUP.SET_ID)) e.setId = u32(NFTA_LOOKUP.SET_ID)!;
      if (m.has(NFTA_LOOKUP.DREG)) e.dreg = u32(NFTA_LOOKUP.DREG)!;
      if ((u32(NFTA_LOOKUP.FLAGS) ?? 0) & NFT_LOOKUP_F_INV) e.invert = true;
      return e;
    }
    case 'numgen': {
      const e: NumgenExpr = {
        type: 'numgen',
        mode: nameIn(NFT_NG, req(NFTA_NG.TYPE, 'numgen type')) as NumgenExpr['mode'],
        modulus: req(NFTA_NG.MODULUS, 'numgen modulus'),
        dreg: req(NFTA_NG.DREG, 'numgen dreg'),
      };
      e.offset = u32(NFTA_NG.OFFSET) ?? 0;
      return e;
    }
    case 'dynset': {
      const e: DynsetExpr = {
        type: 'dynset',
        op: nameIn(NFT_DYNSET_OP, req(NFTA_DYNSET.OP, 'dynset op')) as DynsetExpr['op'],
        set: must(m.str(NFTA_DYNSET.SET_NAME), 'dynset set'),
        sregKey: req(NFTA_DYNSET.SREG_KEY, 'dynset sreg'),
      };
      if (m.has(NFTA_DYNSET.SET_ID)) e.setId = u32(NFTA_DYNSET.SET_ID)!;
      if (m.has(NFTA_DYNSET.SREG_DATA)) e.sregData = u32(NFTA_DYNSET.SREG_DATA)!;
      const timeout = get.be64(m, NFTA_DYNSET.TIMEOUT);
      if (timeout) e.timeout = timeout;
      const flags = u32(NFTA_DYNSET.FLAGS);
      if (flags) e.flags = flags;
      return e;
    }
    case 'notrack':
      return { type: 'notrack' };
    default:
      return rawData ? { type: 'other', name, data: Buffer.from(rawData) } : { type: 'other', name };
  }
}

/** Decodes the payload of NFTA_RULE_EXPRESSIONS. */
export function decodeExprs(buf: Buffer): NftExpr[] {
  const out: NftExpr[] = [];
  for (const el of new AttrMap(buf).all(NFTA_LIST_ELEM)) {
    const m = new AttrMap(el);
    const name = must(m.str(NFTA_EXPR.NAME), 'name');
    const data = m.get(NFTA_EXPR.DATA);
    out.push(decodeOne(name, data ? new AttrMap(data) : undefined, data));
  }
  return out;
}
