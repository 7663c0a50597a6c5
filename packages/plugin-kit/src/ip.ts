// Small address helpers over @cni-ts/cni's Go-compatible parser.
import { addrPrefixLen, formatAddr, formatIP, isIPv4, networkAddr, parseAddrNet, parseCIDR, parseIP } from '@cni-ts/cni';

/** 4 or 6 for an address or CIDR text (IPv4-mapped counts as 4, as Go's To4()). */
export function familyOf(s: string): 4 | 6 {
  const text = s.includes('/') ? s.slice(0, s.indexOf('/')) : s;
  const ip = parseIP(text);
  if (!ip) throw new Error(`invalid IP address: ${text}`);
  return isIPv4(ip) ? 4 : 6;
}

/** The CIDR split into the address text (canonical) and prefix length, in its own family's width. */
export function splitCIDR(cidr: string): { ip: string; prefix: number; family: 4 | 6 } {
  const n = parseCIDR(cidr);
  if (!n) throw new Error(`invalid CIDR address: ${cidr}`);
  const v4 = isIPv4(n.ip);
  const prefix = v4 && n.maskBits === 128 ? Math.max(0, n.prefix - 96) : n.prefix;
  return { ip: formatIP(n.ip), prefix, family: v4 ? 4 : 6 };
}

/** The network of a CIDR with host bits cleared: `10.1.2.0/24`. */
export function networkOf(cidr: string): string {
  const n = parseAddrNet(cidr);
  if (!n) throw new Error(`invalid CIDR address: ${cidr}`);
  const prefix = addrPrefixLen(n);
  return `${formatAddr(networkAddr(n.ip, prefix))}/${prefix}`;
}

/** True for 0.0.0.0/0 and ::/0 (Go's ip.IsIPNetZero; undefined counts as zero too). */
export function isDefaultDst(dst: string | undefined): boolean {
  if (dst === undefined || dst === 'default') return true;
  const { ip, prefix } = splitCIDR(dst);
  return prefix === 0 && (ip === '0.0.0.0' || ip === '::');
}

/** net.IP.IsGlobalUnicast(). */
export function isGlobalUnicast(ipText: string): boolean {
  const ip = parseIP(ipText);
  if (!ip) return false;
  if (isIPv4(ip)) {
    const [a, b, c, d] = [ip[12]!, ip[13]!, ip[14]!, ip[15]!];
    if (a === 255 && b === 255 && c === 255 && d === 255) return false; // broadcast
    if (a === 0 && b === 0 && c === 0 && d === 0) return false; // unspecified
    if (a === 127) return false; // loopback
    if (a >= 224 && a <= 239) return false; // multicast
    if (a === 169 && b === 254) return false; // link-local
    return true;
  }
  if (ip.every((x) => x === 0)) return false;
  if (ip.every((x, i) => x === (i === 15 ? 1 : 0))) return false;
  if (ip[0] === 0xff) return false;
  if (ip[0] === 0xfe && (ip[1]! & 0xc0) === 0x80) return false;
  return true;
}
