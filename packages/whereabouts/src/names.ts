// How whereabouts names and indexes what it stores, byte for byte: IPPool names from the range,
// OverlappingRangeIPReservation names from the address, and allocation keys as the decimal
// offset of an address from the pool's first address (pkg/storage/kubernetes, pkg/iphelpers).
import type { Addr } from '@cni-ts/cni/ip';
import { ipText, parseIPSloppy } from './range';

/** Offsets are read back as int64: an offset of 2^63 or more would be written but never read. */
export const MAX_OFFSET = (1n << 63n) - 1n;

/** IPPoolName: the range with `:` and `/` turned into `-`, after `<network_name>-` when set. */
export function poolName(cidr: string, networkName = ''): string {
  const r = cidr.endsWith(':') ? `${cidr}0` : cidr;
  const normalized = r.replaceAll(':', '-').replaceAll('/', '-');
  return networkName ? `${networkName}-${normalized}` : normalized;
}

/** NormalizeIP: the address with `:` turned into `-` (a trailing `::` gets a `0`), after `<network_name>-`. */
export function reservationName(ip: Addr, networkName = ''): string {
  let s = ipText(ip);
  if (s.endsWith(':')) s += '0';
  s = s.replaceAll(':', '-');
  return networkName ? `${networkName}-${s}` : s;
}

/**
 * The address an OverlappingRangeIPReservation name stands for, or undefined when it is not one
 * of `networkName`'s. (Upstream's reconciler turns every `-` back into `:`, which breaks IPv4
 * names with a network name; we strip the prefix first.)
 */
export function reservationIP(name: string, networkName = ''): Addr | undefined {
  let s = name;
  if (networkName) {
    if (!s.startsWith(`${networkName}-`)) return undefined;
    s = s.slice(networkName.length + 1);
  }
  if (s.includes('.') && !s.includes('-')) return parseIPSloppy(s);
  return parseIPSloppy(s.replaceAll('-', ':'));
}

/**
 * IPGetOffset: the distance between an address and the pool's first address, as the decimal
 * key of spec.allocations (the low 64 bits of the difference, as upstream computes it).
 */
export function offsetKey(ip: Addr, base: Addr): string {
  if (ip.bits !== base.bits) {
    throw new Error(
      ip.bits === 32 ? `cannot calculate offset between IPv4 (${ipText(ip)}) and IPv6 address (${ipText(base)})` : `cannot calculate offset between IPv6 (${ipText(ip)}) and IPv4 address (${ipText(base)})`,
    );
  }
  const d = ip.n >= base.n ? ip.n - base.n : base.n - ip.n;
  return String(d & ((1n << 64n) - 1n));
}

/**
 * IPAddOffset of a stored key: undefined for a key that is not an int64 (upstream skips those)
 * or that leaves the address family.
 */
export function ipAtOffset(base: Addr, key: string): Addr | undefined {
  if (!/^[+-]?[0-9]+$/.test(key)) return undefined;
  let off = BigInt(key);
  if (off > MAX_OFFSET || off < -(1n << 63n)) return undefined;
  if (off < 0n) off += 1n << 64n; // uint64(int64)
  if (base.bits === 32) {
    if (off >= 0xffffffffn) return undefined;
    const n = base.n + off;
    return n > 0xffffffffn ? undefined : { bits: 32, n };
  }
  return { bits: 128, n: (base.n + off) & ((1n << 128n) - 1n) };
}
