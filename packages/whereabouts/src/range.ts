// whereabouts' ranges (pkg/config, pkg/iphelpers): `range` as a CIDR or `first-last/prefix`,
// range_start / range_end honoured only inside the usable addresses, exclude entries as CIDRs
// or bare addresses, and the texts of its errors. Addresses are Addr (bigint arithmetic).
import { type Addr, addrCmp, addrNetContains, formatAddr, lastAddr, networkAddr, parseAddr, parseAddrNet } from '@cni-ts/cni/ip';

/** An IP range after config load: what an ipRanges entry (or the legacy top-level range) becomes. */
export interface IpRange {
  /** The pool's CIDR as whereabouts writes it (Go's IPNet.String(): network address, prefix): `10.0.0.0/24`, `fd00::/64`. */
  cidr: string;
  network: Addr;
  prefix: number;
  /** range_start: the first address of `a-b/p`, else the configured one, else the network address. */
  rangeStart?: Addr;
  /** range_end: the last address of `a-b/p`, else the configured one. */
  rangeEnd?: Addr;
  /** exclude entries as written (checked when allocating, as upstream). */
  exclude: string[];
}

export class RangeError extends Error {}

/**
 * k8s.io/utils/net ParseIPSloppy: net.ParseIP that also takes IPv4 fields with leading zeros
 * (read as decimal), as whereabouts' config loader does.
 */
export function parseIPSloppy(s: string): Addr | undefined {
  const strict = parseAddr(s);
  if (strict || s.includes(':')) return strict;
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^[0-9]{1,}$/.test(p))) return undefined;
  return parseAddr(parts.map((p) => String(Number(p))).join('.'));
}

/** ParseCIDRSloppy: the address as written, the network and the prefix; undefined when invalid. */
export function parseCIDRSloppy(s: string): { ip: Addr; network: Addr; prefix: number } | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIPSloppy(s.slice(0, slash));
  const net = ip && parseAddrNet(`${formatAddr(ip)}/${s.slice(slash + 1)}`);
  if (!ip || !net) return undefined;
  // A prefix of an IPv4 address written in IPv6 form (::ffff:a.b.c.d/120) keeps its last 32 bits.
  const prefix = ip.bits === 32 && net.maskBits === 128 ? Math.max(0, net.prefix - 96) : net.prefix;
  return { ip, network: networkAddr(ip, prefix), prefix };
}

export function formatCIDR(network: Addr, prefix: number): string {
  return `${formatAddr(network)}/${prefix}`;
}

/**
 * One ipRanges entry as LoadIPAMConfig normalises it. `a-b/p`: start a, end b, pool b/p
 * (`invalid range start for CIDR ...` when a is outside); a plain CIDR: the pool's network, and
 * range_start (when unset) the network address, which GetIPRange then ignores.
 */
export function parseRange(entry: { range: string; rangeStart?: Addr; rangeEnd?: Addr; exclude?: string[] }): IpRange {
  const dash = entry.range.indexOf('-');
  if (dash >= 0) {
    const first = entry.range.slice(0, dash);
    const rest = entry.range.slice(dash + 1);
    const start = parseIPSloppy(first);
    if (!start) throw new RangeError(`invalid range start IP: ${first}`);
    const net = parseCIDRSloppy(rest);
    if (!net) throw new RangeError(`invalid CIDR (do you have the 'range' parameter set for Whereabouts?) '${rest}': invalid CIDR address: ${rest}`);
    const cidr = formatCIDR(net.network, net.prefix);
    if (!addrNetContains({ ip: net.network, prefix: net.prefix }, start)) throw new RangeError(`invalid range start for CIDR ${cidr}: ${formatAddr(start)}`);
    return { cidr, network: net.network, prefix: net.prefix, rangeStart: start, rangeEnd: net.ip, exclude: entry.exclude ?? [] };
  }
  const net = parseCIDRSloppy(entry.range);
  if (!net) throw new RangeError(`invalid CIDR ${entry.range}: invalid CIDR address: ${entry.range}`);
  return {
    cidr: formatCIDR(net.network, net.prefix),
    network: net.network,
    prefix: net.prefix,
    rangeStart: entry.rangeStart ?? net.network,
    rangeEnd: entry.rangeEnd,
    exclude: entry.exclude ?? [],
  };
}

/** Go's net.IP.String() of an Addr (the family's own text). */
export const ipText = formatAddr;

const inRange = (ip: Addr, first: Addr, last: Addr) => addrCmp(ip, first) >= 0 && addrCmp(ip, last) <= 0 && addrCmp(ip, first) !== -2;

/**
 * GetIPRange: the first and last address handed out. The usable addresses exclude the network
 * and broadcast (all-ones, IPv6 too) addresses; range_start counts only inside them, range_end
 * only between the (new) first and the last usable address.
 */
export function usableBounds(r: IpRange): { first: Addr; last: Addr } {
  const hostBits = r.network.bits - r.prefix;
  if (hostBits <= 1) throw new RangeError(`net mask is too short, subnet ${r.cidr} has no usable IP addresses, it is too small`);
  let first: Addr = { bits: r.network.bits, n: r.network.n + 1n };
  let last: Addr = { bits: r.network.bits, n: lastAddr(r.network, r.prefix).n - 1n };
  if (r.rangeStart && inRange(r.rangeStart, first, last)) first = r.rangeStart;
  if (r.rangeEnd && inRange(r.rangeEnd, first, last)) last = r.rangeEnd;
  return { first, last };
}

/** An exclude entry: a CIDR (masked), or a bare address as /32 or /128. */
export function parseExclude(s: string): { network: Addr; prefix: number } {
  const net = parseAddrNet(s);
  if (net) {
    const prefix = net.ip.bits === 32 && net.maskBits === 128 ? Math.max(0, net.prefix - 96) : net.prefix;
    return { network: networkAddr(net.ip, prefix), prefix };
  }
  const ip = parseAddr(s);
  if (!ip) throw new RangeError(`could not parse exclude range, err: ${JSON.stringify(`invalid CIDR address: ${s}`)}`);
  return { network: ip, prefix: ip.bits };
}
