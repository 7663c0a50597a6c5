// nf_tables sets and maps (NFT_MSG_NEWSET / GETSET / DELSET): named ones, and the anonymous ones
// nft creates for `{ a, b }` and `vmap { ... }` in a rule (name "__set%d", flags anonymous|constant,
// bound to the rule that refers to them through the transaction id).
import type { Attr } from '../attr';
import { NFT_DATA_VERDICT, NFT_SET_F, NFTA_SET, NFTA_SET_DESC_SIZE } from './constants';
import { be32, be64, bodyAttrs, encodeNftBody, familyName, familyNumber, get, nest, raw, str, type NftFamily } from './nfgen';
import { decodeSetUserdata, encodeSetUserdata, type ByteOrder } from './udata';

export type NftSetFlag = keyof typeof NFT_SET_F;

export interface NftSet {
  family: NftFamily;
  table: string;
  /** "__set%d" / "__map%d" for an anonymous set being created (the kernel picks the number). */
  name: string;
  flags?: NftSetFlag[];
  /** nft datatype of the key (NFT_TYPE) and its length in bytes */
  keyType: number;
  keyLen: number;
  /** maps: data type (NFT_TYPE, or 'verdict') and length (0 for verdicts) */
  dataType?: number | 'verdict';
  dataLen?: number;
  policy?: 'performance' | 'memory';
  /** maximum number of elements (NFTA_SET_DESC_SIZE); nft sends the element count of anonymous sets */
  size?: number;
  /** default element timeout and garbage collection interval, in ms */
  timeout?: number;
  gcInterval?: number;
  /** what nft records for printing (set userdata) */
  keyByteorder?: ByteOrder;
  dataByteorder?: ByteOrder;
  mergeElements?: boolean;
  comment?: string;
  /** transaction id, to refer to a set created in the same batch */
  id?: number;
  /** reported by the kernel */
  handle?: number;
}

/** Set identity: table and name. */
export interface NftSetRef {
  family: NftFamily;
  table: string;
  name: string;
}

const flagBits = (flags: readonly NftSetFlag[] = []): number => flags.reduce((n, f) => n | NFT_SET_F[f], 0);
const flagNames = (bits: number): NftSetFlag[] => (Object.keys(NFT_SET_F) as NftSetFlag[]).filter((f) => bits & NFT_SET_F[f]);

/** A set to add, in libnftnl's order: table, name, flags, key, data, id, policy, desc, timeout, gc, userdata. */
export function encodeSet(s: NftSet): Buffer {
  let flags = flagBits(s.flags);
  if (s.dataType !== undefined) flags |= NFT_SET_F.map;
  const attrs: Attr[] = [
    str(NFTA_SET.TABLE, s.table),
    str(NFTA_SET.NAME, s.name),
    be32(NFTA_SET.FLAGS, flags),
    be32(NFTA_SET.KEY_TYPE, s.keyType),
    be32(NFTA_SET.KEY_LEN, s.keyLen),
  ];
  if (s.dataType !== undefined) {
    attrs.push(be32(NFTA_SET.DATA_TYPE, s.dataType === 'verdict' ? NFT_DATA_VERDICT : s.dataType));
    attrs.push(be32(NFTA_SET.DATA_LEN, s.dataLen ?? 0));
  }
  if (s.id !== undefined) attrs.push(be32(NFTA_SET.ID, s.id));
  if (s.policy !== undefined) attrs.push(be32(NFTA_SET.POLICY, s.policy === 'memory' ? 1 : 0));
  if (s.size !== undefined) attrs.push(nest(NFTA_SET.DESC, [be32(NFTA_SET_DESC_SIZE, s.size)]));
  if (s.timeout !== undefined) attrs.push(be64(NFTA_SET.TIMEOUT, s.timeout));
  if (s.gcInterval !== undefined) attrs.push(be32(NFTA_SET.GC_INTERVAL, s.gcInterval));
  const ud = encodeSetUserdata(s);
  if (ud) attrs.push(raw(NFTA_SET.USERDATA, ud));
  return encodeNftBody(familyNumber(s.family), attrs);
}

/** A set by name (delete): table, name. */
export function encodeSetRef(s: NftSetRef): Buffer {
  return encodeNftBody(familyNumber(s.family), [str(NFTA_SET.TABLE, s.table), str(NFTA_SET.NAME, s.name)]);
}

/** Sets of a family (and table) to dump. */
export function encodeSetDump(family: NftFamily | undefined, table?: string): Buffer {
  return encodeNftBody(family === undefined ? 0 : familyNumber(family), table === undefined ? [] : [str(NFTA_SET.TABLE, table)]);
}

export function decodeSet(data: Buffer): NftSet {
  const { nfgen, attrs } = bodyAttrs(data);
  const bits = get.be32(attrs, NFTA_SET.FLAGS) ?? 0;
  const s: NftSet = {
    family: familyName(nfgen.family),
    table: attrs.str(NFTA_SET.TABLE) ?? '',
    name: attrs.str(NFTA_SET.NAME) ?? '',
    flags: flagNames(bits & ~NFT_SET_F.map),
    keyType: get.be32(attrs, NFTA_SET.KEY_TYPE) ?? 0,
    keyLen: get.be32(attrs, NFTA_SET.KEY_LEN) ?? 0,
  };
  const dataType = get.be32(attrs, NFTA_SET.DATA_TYPE);
  if (dataType !== undefined) {
    s.dataType = dataType === NFT_DATA_VERDICT ? 'verdict' : dataType;
    s.dataLen = get.be32(attrs, NFTA_SET.DATA_LEN) ?? 0;
  }
  const policy = get.be32(attrs, NFTA_SET.POLICY);
  if (policy !== undefined) s.policy = policy === 1 ? 'memory' : 'performance';
  const desc = attrs.nested(NFTA_SET.DESC);
  const size = desc && get.be32(desc, NFTA_SET_DESC_SIZE);
  if (size) s.size = size;
  const timeout = get.be64(attrs, NFTA_SET.TIMEOUT);
  if (timeout !== undefined) s.timeout = timeout;
  const gc = get.be32(attrs, NFTA_SET.GC_INTERVAL);
  if (gc !== undefined) s.gcInterval = gc;
  const handle = get.be64(attrs, NFTA_SET.HANDLE);
  if (handle !== undefined) s.handle = handle;
  Object.assign(s, decodeSetUserdata(attrs.get(NFTA_SET.USERDATA)));
  return s;
}
