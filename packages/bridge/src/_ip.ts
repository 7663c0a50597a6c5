// The few address computations bridge needs, over @cni-ts/cni's Go-compatible parser. A CIDR is
// handled in its own family's width: IPv4 as 4 bytes and a 0-32 prefix.
import { formatIP, isIPv4, parseCIDR, parseIP } from '@cni-ts/cni';

export interface Cidr {
  family: 4 | 6;
  /** the address bytes (4 or 16). */
  bytes: Uint8Array;
  prefix: number;
}

export function cidr(text: string): Cidr {
  const n = parseCIDR(text);
  if (!n) throw new Error(`invalid CIDR address: ${text}`);
  if (isIPv4(n.ip)) return { family: 4, bytes: n.ip.slice(12), prefix: n.maskBits === 32 ? n.prefix : Math.max(0, n.prefix - 96) };
  return { family: 6, bytes: n.ip, prefix: n.prefix };
}

export function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return formatIP(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...bytes]));
  return formatIP(bytes);
}

/** The address part of a CIDR, canonical. */
export function addrOf(text: string): string {
  return ipText(cidr(text).bytes);
}

function masked(c: Cidr): Uint8Array {
  const out = Uint8Array.from(c.bytes);
  for (let bit = c.prefix; bit < out.length * 8; bit++) out[bit >> 3] = out[bit >> 3]! & ~(0x80 >> (bit & 7));
  return out;
}

/** `10.1.2.0/24` of `10.1.2.5/24`. */
export function networkOf(text: string): string {
  const c = cidr(text);
  return `${ipText(masked(c))}/${c.prefix}`;
}

/** ip.NextIP(network address): the conventional gateway of a subnet. */
export function firstHost(text: string): string {
  const out = masked(cidr(text));
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = (out[i]! + 1) & 0xff;
    if (out[i] !== 0) break;
  }
  return ipText(out);
}

/** net.IPNet.Contains for an address text (other family: false). */
export function contains(net: string, ip: string): boolean {
  const n = cidr(net);
  const p = parseIP(ip);
  if (!p) return false;
  const bytes = isIPv4(p) ? p.slice(12) : p;
  if (bytes.length !== n.bytes.length) return false;
  return masked({ ...n, bytes }).every((b, i) => b === masked(n)[i]);
}

/** The canonical text of a CIDR with host bits kept: what net.IPNet.String() prints. */
export function cidrText(text: string): string {
  const c = cidr(text);
  return `${ipText(c.bytes)}/${c.prefix}`;
}
