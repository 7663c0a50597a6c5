// Ready-made sets and their elements, as nft creates them: the anonymous address set of
// `ip daddr { a, b }` / `{ 10.0.0.0/8, ... }`, the anonymous verdict map of
// `numgen random mod N vmap { 0 : goto a, ... }`, and a named dynamic set of addresses with a
// timeout (session affinity).
import { endianness } from 'node:os';
import { broadcastOf, maskIP, parseCIDR, parseIP } from '../ip';
import { NFT_TYPE } from './constants';
import type { NftVerdict } from './data';
import type { NftFamily } from './nfgen';
import type { NftSet } from './set';
import type { NftSetElem } from './setelem';

/** The table a set lives in. */
export interface TableRef {
  family: NftFamily;
  table: string;
}

/** A set to create together with its first elements. */
export interface SetWithElems {
  set: NftSet;
  elems: NftSetElem[];
}

const addOne = (b: Buffer): { next: Buffer; overflow: boolean } => {
  const next = Buffer.from(b);
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] === 0xff) {
      next[i] = 0;
      continue;
    }
    next[i]! += 1;
    return { next, overflow: false };
  }
  return { next, overflow: true };
};

/**
 * Interval elements for prefixes, as nft sends them: sorted, each range as its first address and
 * an end element (flagged) holding the address after it, led by an end element at zero when the
 * first range does not start there. Ranges must not overlap.
 */
export function intervalElems(cidrs: readonly string[]): NftSetElem[] {
  const ranges = cidrs
    .map((c) => {
      const { ip, prefixLen } = parseCIDR(c);
      return { start: maskIP(ip, prefixLen), last: broadcastOf(ip, prefixLen) };
    })
    .toSorted((a, b) => Buffer.compare(a.start, b.start));
  const out: NftSetElem[] = [];
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i]!;
    if (r.start.length !== ranges[0]!.start.length) throw new TypeError('an interval set cannot mix IPv4 and IPv6');
    if (i > 0 && Buffer.compare(r.start, ranges[i - 1]!.last) <= 0) throw new RangeError('overlapping prefixes in an interval set');
    if (i === 0 && r.start.some((x) => x !== 0)) out.push({ key: Buffer.alloc(r.start.length), intervalEnd: true });
    out.push({ key: r.start });
    const { next, overflow } = addOne(r.last);
    if (!overflow) out.push({ key: next, intervalEnd: true });
  }
  return out;
}

/**
 * The anonymous set of `ip daddr { 10.0.0.1, 10.0.0.2 }` or, when any entry is a prefix,
 * `{ 10.0.0.0/8, 192.168.0.0/16 }` (an interval set). All addresses of one family.
 */
export function anonAddrSet(t: TableRef, addrs: readonly string[]): SetWithElems {
  if (addrs.length === 0) throw new TypeError('an anonymous set needs elements');
  const interval = addrs.some((a) => a.includes('/'));
  const v6 = addrs[0]!.includes(':');
  const elems = interval ? intervalElems(addrs) : addrs.map((a) => ({ key: parseIP(a) }));
  if (elems.some((e) => e.key.length !== (v6 ? 16 : 4))) throw new TypeError('an address set cannot mix IPv4 and IPv6');
  return {
    set: {
      family: t.family,
      table: t.table,
      name: '__set%d',
      flags: interval ? ['anonymous', 'constant', 'interval'] : ['anonymous', 'constant'],
      keyType: v6 ? NFT_TYPE.ipv6_addr : NFT_TYPE.ipv4_addr,
      keyLen: v6 ? 16 : 4,
      size: elems.length,
      keyByteorder: 'big',
      ...(interval && { mergeElements: true }),
    },
    elems,
  };
}

/** A numgen result as a map key (host byte order, like the register numgen writes). */
export function u32Key(n: number): Buffer {
  const b = Buffer.alloc(4);
  if (endianness() === 'LE') b.writeUInt32LE(n >>> 0);
  else b.writeUInt32BE(n >>> 0);
  return b;
}

/** The anonymous map of `numgen random mod N vmap { 0 : <v0>, 1 : <v1>, ... }`. */
export function anonNumgenVmap(t: TableRef, verdicts: readonly NftVerdict[]): SetWithElems {
  if (verdicts.length === 0) throw new TypeError('a verdict map needs elements');
  return {
    set: {
      family: t.family,
      table: t.table,
      name: '__map%d',
      flags: ['anonymous', 'constant'],
      keyType: NFT_TYPE.integer,
      keyLen: 4,
      dataType: 'verdict',
      dataLen: 0,
      size: verdicts.length,
      keyByteorder: 'host',
      dataByteorder: 'invalid',
    },
    elems: verdicts.map((verdict, i) => ({ key: u32Key(i), verdict })),
  };
}

/**
 * `set <name> { type ipv4_addr ; flags dynamic,timeout ; timeout <t> ; }`: the addresses of
 * clients recently sent to one endpoint, refreshed by `update @name { ip saddr }`.
 */
export function affinitySet(t: TableRef, name: string, v: 4 | 6, timeoutMs: number): NftSet {
  return {
    family: t.family,
    table: t.table,
    name,
    flags: ['timeout', 'dynamic'],
    keyType: v === 4 ? NFT_TYPE.ipv4_addr : NFT_TYPE.ipv6_addr,
    keyLen: v === 4 ? 4 : 16,
    timeout: timeoutMs,
    keyByteorder: 'big',
  };
}
