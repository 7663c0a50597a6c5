// Matches, written as nft compiles them: each function returns the expressions `nft -f` sends for
// the same words (so `nft list ruleset` prints our rules exactly as if nft had added them). In an
// `inet` table a match on an IPv4/IPv6 header field is guarded by `meta nfproto`, as nft does.
import { endianness } from 'node:os';
import { maskIP, parseCIDR, parseIP } from '../ip';
import { CT_STATE, NFPROTO, NFTA_FIB_F, NFT_REG } from './constants';
import type { NftCmpOp, NftExpr } from './expr';
import type { NftFamily } from './nfgen';

const R1 = NFT_REG.R1;
export type Op = '==' | '!=';
const cmpOp = (op: Op): NftCmpOp => (op === '==' ? 'eq' : 'neq');

/** A 32-bit value in the kernel's byte order (meta mark, fib and ct results are host order). */
export function hostU32(v: number): Buffer {
  const b = Buffer.alloc(4);
  if (endianness() === 'LE') b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}

const be16 = (v: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
};

export const L4PROTO = { tcp: 6, udp: 17, sctp: 132, icmp: 1, icmpv6: 58 } as const;
export type L4Proto = keyof typeof L4PROTO;

/** `meta nfproto ipv4|ipv6` */
export function nfproto(v: 4 | 6): NftExpr[] {
  return [
    { type: 'meta', key: 'nfproto', dreg: R1 },
    { type: 'cmp', sreg: R1, op: 'eq', data: Buffer.from([v === 4 ? NFPROTO.ip : NFPROTO.ip6]) },
  ];
}

/** `meta l4proto tcp|udp|<n>` */
export function l4proto(p: L4Proto | number): NftExpr[] {
  const n = typeof p === 'number' ? p : L4PROTO[p];
  if (n === undefined || n < 0 || n > 255) throw new TypeError(`unknown protocol ${String(p)}`);
  return [
    { type: 'meta', key: 'l4proto', dreg: R1 },
    { type: 'cmp', sreg: R1, op: 'eq', data: Buffer.from([n]) },
  ];
}

/** The nfproto guard an address match needs in a table of `family` (none in ip/ip6 tables). */
export function familyGuard(family: NftFamily, v: 4 | 6): NftExpr[] {
  if (family === 'inet') return nfproto(v);
  if (family === (v === 4 ? 'ip' : 'ip6')) return [];
  throw new TypeError(`an IPv${v} match cannot go into a table of family ${family}`);
}

/** Where a network header field is: [offset, length]. */
function addrField(v: 4 | 6, field: 'saddr' | 'daddr'): [number, number] {
  if (v === 4) return [field === 'saddr' ? 12 : 16, 4];
  return [field === 'saddr' ? 8 : 24, 16];
}

/** Loads an address field into R1 (with the family guard). */
export function loadAddr(family: NftFamily, v: 4 | 6, field: 'saddr' | 'daddr'): NftExpr[] {
  const [offset, len] = addrField(v, field);
  return [...familyGuard(family, v), { type: 'payload', base: 'network', offset, len, dreg: R1 }];
}

/**
 * `ip saddr 10.1.2.3`, `ip daddr != 10.1.0.0/16`, `ip6 daddr ff00::/8`: an address or prefix.
 * As nft does, a prefix on a byte boundary loads only its bytes; any other prefix (and /0) loads
 * the whole address and masks it.
 */
export function addr(family: NftFamily, field: 'saddr' | 'daddr', cidr: string, op: Op = '=='): NftExpr[] {
  const { ip, prefixLen } = parseCIDR(cidr);
  const v = ip.length === 4 ? 4 : 6;
  const [offset, full] = addrField(v, field);
  const net = maskIP(ip, prefixLen);
  const out: NftExpr[] = [...familyGuard(family, v)];
  if (prefixLen % 8 === 0 && prefixLen > 0) {
    const len = prefixLen / 8;
    out.push({ type: 'payload', base: 'network', offset, len, dreg: R1 });
    out.push({ type: 'cmp', sreg: R1, op: cmpOp(op), data: Buffer.from(net.subarray(0, len)) });
    return out;
  }
  out.push({ type: 'payload', base: 'network', offset, len: full, dreg: R1 });
  out.push({ type: 'bitwise', sreg: R1, dreg: R1, len: full, mask: maskIP(Buffer.alloc(full, 0xff), prefixLen), xor: Buffer.alloc(full) });
  out.push({ type: 'cmp', sreg: R1, op: cmpOp(op), data: net });
  return out;
}

/** `tcp dport 8080`, `udp sport != 53` */
export function port(proto: 'tcp' | 'udp' | 'sctp', field: 'sport' | 'dport', value: number, op: Op = '=='): NftExpr[] {
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new RangeError(`invalid port ${value}`);
  return [
    ...l4proto(proto),
    { type: 'payload', base: 'transport', offset: field === 'sport' ? 0 : 2, len: 2, dreg: R1 },
    { type: 'cmp', sreg: R1, op: cmpOp(op), data: be16(value) },
  ];
}

/** `iifname "net1"` / `oifname "eth0"` (exact names; nft's `eth*` wildcards are not offered). */
export function ifname(dir: 'iif' | 'oif', name: string, op: Op = '=='): NftExpr[] {
  const b = Buffer.from(name);
  if (b.length === 0 || b.length > 15) throw new RangeError(`invalid interface name ${JSON.stringify(name)}`);
  const data = Buffer.alloc(16);
  b.copy(data);
  return [
    { type: 'meta', key: dir === 'iif' ? 'iifname' : 'oifname', dreg: R1 },
    { type: 'cmp', sreg: R1, op: cmpOp(op), data },
  ];
}

const RTN_LOCAL = 2;

/** `fib daddr type local`: the destination is an address of this host. */
export function fibDaddrLocal(): NftExpr[] {
  return [
    { type: 'fib', flags: NFTA_FIB_F.daddr, result: 'addrtype', dreg: R1 },
    { type: 'cmp', sreg: R1, op: 'eq', data: hostU32(RTN_LOCAL) },
  ];
}

export type CtState = keyof typeof CT_STATE;

/** `ct state established,related` */
export function ctState(states: readonly CtState[]): NftExpr[] {
  if (states.length === 0) throw new TypeError('ct state needs at least one state');
  const mask = states.reduce((n, s) => n | CT_STATE[s], 0);
  return [
    { type: 'ct', key: 'state', dreg: R1 },
    { type: 'bitwise', sreg: R1, dreg: R1, len: 4, mask: hostU32(mask), xor: hostU32(0) },
    { type: 'cmp', sreg: R1, op: 'neq', data: hostU32(0) },
  ];
}

/** `meta mark 0x10` or, with a mask, `meta mark & 0x4000 == 0x4000`. */
export function mark(value: number, mask?: number, op: Op = '=='): NftExpr[] {
  const load: NftExpr = { type: 'meta', key: 'mark', dreg: R1 };
  if (mask === undefined) return [load, { type: 'cmp', sreg: R1, op: cmpOp(op), data: hostU32(value) }];
  return [
    load,
    { type: 'bitwise', sreg: R1, dreg: R1, op: 'bool', len: 4, mask: hostU32(mask), xor: hostU32(0) },
    { type: 'cmp', sreg: R1, op: cmpOp(op), data: hostU32(value) },
  ];
}

/** A set a rule refers to: by name, and by transaction id when created in the same batch. */
export interface NftSetHandle {
  name: string;
  id?: number;
}

/** `ip saddr @set` / `ip6 daddr != @set` */
export function addrInSet(family: NftFamily, v: 4 | 6, field: 'saddr' | 'daddr', set: NftSetHandle, op: Op = '=='): NftExpr[] {
  return [
    ...loadAddr(family, v, field),
    { type: 'lookup', sreg: R1, set: set.name, ...(set.id !== undefined && { setId: set.id }), ...(op === '!=' && { invert: true }) },
  ];
}

/** The bytes of an address (set keys, NAT targets). */
export const addrBytes = (ip: string): Buffer => parseIP(ip);

const isGuardLoad = (e: NftExpr | undefined): boolean => e?.type === 'meta' && (e.key === 'nfproto' || e.key === 'l4proto') && e.dreg !== undefined;

/**
 * Drops a `meta nfproto X` / `meta l4proto X` check that repeats one made earlier in the rule, as
 * nft does (`ip saddr a ip daddr b` in an inet table checks nfproto once). Harmless: neither can
 * change within a rule.
 */
export function dedupGuards(exprs: readonly NftExpr[]): NftExpr[] {
  const seen = new Set<string>();
  const out: NftExpr[] = [];
  for (let i = 0; i < exprs.length; i++) {
    const load = exprs[i]!;
    const cmp = exprs[i + 1];
    if (isGuardLoad(load) && cmp?.type === 'cmp' && cmp.op === 'eq' && load.type === 'meta' && cmp.sreg === load.dreg) {
      const key = `${String(load.key)}:${cmp.data.toString('hex')}`;
      if (seen.has(key)) {
        i++;
        continue;
      }
      seen.add(key);
    }
    out.push(load);
  }
  return out;
}
