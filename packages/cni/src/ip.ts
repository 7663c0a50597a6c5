// Go's net.IP / net.IPNet text forms, which decide every address the reference prints:
// IPv4 and IPv4-mapped IPv6 render dotted, IPv6 is RFC 5952 compressed and lower-case,
// a CIDR keeps its host bits ("10.1.2.3/24" stays as written).

/** A parsed address: always 16 bytes, IPv4 stored IPv4-mapped (as Go's ParseIP does). */
export type IP = Uint8Array;

/** A parsed CIDR (types.ParseCIDR keeps the address unmasked). */
export interface IPNet {
  ip: IP;
  /** prefix length in bits of `maskBits`. */
  prefix: number;
  /** 32 for a CIDR written in IPv4 form, 128 otherwise. */
  maskBits: 32 | 128;
}

const V4_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function parseV4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    // Go rejects empty fields, more than three digits and leading zeros ("01").
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function parseV6(s: string): IP | undefined {
  const ip = new Uint8Array(16);
  let ellipsis = -1;
  let rest = s;
  if (rest.startsWith('::')) {
    ellipsis = 0;
    rest = rest.slice(2);
    if (rest === '') return ip;
  }
  let i = 0;
  while (i < 16) {
    const m = /^[0-9a-fA-F]{1,4}/.exec(rest);
    if (!m) return undefined;
    // An IPv4 tail takes the last four bytes.
    if (rest.length > m[0].length && rest[m[0].length] === '.') {
      if (ellipsis < 0 && i !== 12) return undefined;
      if (i + 4 > 16) return undefined;
      const v4 = parseV4(rest);
      if (!v4) return undefined;
      ip.set(v4, i);
      i += 4;
      rest = '';
      break;
    }
    const n = parseInt(m[0], 16);
    ip[i] = n >> 8;
    ip[i + 1] = n & 0xff;
    i += 2;
    rest = rest.slice(m[0].length);
    if (rest === '') break;
    if (rest[0] !== ':' || rest.length === 1) return undefined;
    rest = rest.slice(1);
    if (rest[0] === ':') {
      if (ellipsis >= 0) return undefined;
      ellipsis = i;
      rest = rest.slice(1);
      if (rest === '') break;
    }
  }
  if (rest !== '') return undefined;
  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const n = 16 - i;
    ip.copyWithin(ellipsis + n, ellipsis, i);
    ip.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    // "::" must stand for at least one group.
    return undefined;
  }
  return ip;
}

/** net.ParseIP: undefined when s is not an IPv4 or IPv6 address (zones are rejected). */
export function parseIP(s: string): IP | undefined {
  if (s.includes('.') && !s.includes(':')) {
    const v4 = parseV4(s);
    return v4 ? Uint8Array.from([...V4_PREFIX, ...v4]) : undefined;
  }
  return s.includes(':') ? parseV6(s) : undefined;
}

/** net.ParseCIDR plus types.ParseCIDR's choice to keep host bits. */
export function parseCIDR(s: string): IPNet | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const mask = s.slice(slash + 1);
  const ip = parseIP(addr);
  // Go's dtoi: decimal digits, leading zeros allowed ("/0024"); too large a number fails below.
  if (!ip || !/^[0-9]+$/.test(mask)) return undefined;
  const maskBits = addr.includes(':') ? 128 : 32;
  const prefix = Number(mask);
  if (prefix > maskBits) return undefined;
  return { ip, prefix, maskBits };
}

/** IP.To4() != nil: an IPv4 or IPv4-mapped address. */
export function isIPv4(ip: IP): boolean {
  return V4_PREFIX.every((b, i) => ip[i] === b);
}

function hex(groups: number[]): string {
  return groups.map((n) => n.toString(16)).join(':');
}

/** net.IP.String(). */
export function formatIP(ip: IP): string {
  if (ip.length !== 16) return '<nil>';
  if (isIPv4(ip)) return `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip[i]! << 8) | ip[i + 1]!);
  // The longest run of two or more zero groups (the first of equal runs) becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

/** net.IPNet.String() of an unmasked CIDR. */
export function formatIPNet(n: IPNet): string {
  if (isIPv4(n.ip)) {
    // A 128-bit mask on a mapped address keeps only its last 32 bits.
    const prefix = n.maskBits === 32 ? n.prefix : Math.max(0, n.prefix - 96);
    return `${formatIP(n.ip)}/${prefix}`;
  }
  if (n.maskBits === 32) return '<nil>';
  return `${formatIP(n.ip)}/${n.prefix}`;
}

/** Canonical Go rendering of an IP text, or undefined when Go would reject it. */
export function canonicalIP(s: string): string | undefined {
  const ip = parseIP(s);
  return ip ? formatIP(ip) : undefined;
}

/** Canonical Go rendering of a CIDR text, or undefined when Go would reject it. */
export function canonicalCIDR(s: string): string | undefined {
  const n = parseCIDR(s);
  return n ? formatIPNet(n) : undefined;
}

/** net.IP.IsLoopback(): 127.0.0.0/8 or ::1. */
export function isLoopbackIP(ip: IP): boolean {
  if (isIPv4(ip)) return ip[12] === 127;
  return ip.every((b, i) => b === (i === 15 ? 1 : 0));
}

/** The address family of an IP text: 4 (incl. IPv4-mapped), 6, or undefined if unparseable. */
export function ipFamily(s: string): 4 | 6 | undefined {
  const ip = parseIP(s.includes('/') ? s.slice(0, s.indexOf('/')) : s);
  if (!ip) return undefined;
  return isIPv4(ip) ? 4 : 6;
}

// The same addresses as numbers, for range arithmetic (host-local's ranges, static's gateways).

/** An address as an integer of its family's width: IPv4 and IPv4-mapped are 32 bits (Go's To4). */
export interface Addr {
  readonly bits: 32 | 128;
  readonly n: bigint;
}

/** A parsed CIDR over Addr: the address as written (host bits kept), the mask as written. */
export interface AddrNet {
  readonly ip: Addr;
  readonly prefix: number;
  /** 32 for a CIDR written in IPv4 form, 128 otherwise (an IPv4-mapped address has 128). */
  readonly maskBits: 32 | 128;
}

/** A prefix over Addr; without maskBits the mask has the address's own width. */
export interface AddrPrefix {
  readonly ip: Addr;
  readonly prefix: number;
  readonly maskBits?: 32 | 128;
}

export function toAddr(ip: IP): Addr {
  const v4 = isIPv4(ip);
  let n = 0n;
  for (let i = v4 ? 12 : 0; i < 16; i++) n = (n << 8n) | BigInt(ip[i]!);
  return { bits: v4 ? 32 : 128, n };
}

export function fromAddr(a: Addr): IP {
  const ip = a.bits === 32 ? Uint8Array.from(V4_PREFIX.concat([0, 0, 0, 0])) : new Uint8Array(16);
  let n = a.n;
  for (let i = 15; i >= (a.bits === 32 ? 12 : 0); i--) {
    ip[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return ip;
}

/** net.ParseIP as an Addr. */
export function parseAddr(s: string): Addr | undefined {
  const ip = parseIP(s);
  return ip ? toAddr(ip) : undefined;
}

/** net.ParseCIDR as an AddrNet (host bits kept). */
export function parseAddrNet(s: string): AddrNet | undefined {
  const n = parseCIDR(s);
  return n ? { ip: toAddr(n.ip), prefix: n.prefix, maskBits: n.maskBits } : undefined;
}

/** net.IP.String(). */
export function formatAddr(a: Addr): string {
  return formatIP(fromAddr(a));
}

/** The prefix length in the address's own width (a 128-bit mask on IPv4 keeps its last 32 bits). */
export function addrPrefixLen(p: AddrPrefix): number {
  return p.ip.bits === 32 && p.maskBits === 128 ? Math.max(0, p.prefix - 96) : p.prefix;
}

/** net.IPNet.String() of an unmasked CIDR. */
export function formatAddrNet(p: AddrPrefix): string {
  return `${formatAddr(p.ip)}/${addrPrefixLen(p)}`;
}

export function addrEqual(a: Addr | undefined, b: Addr | undefined): boolean {
  return a !== undefined && b !== undefined && a.bits === b.bits && a.n === b.n;
}

/** Go's ip.Cmp of the plugins: -2 when the families differ. */
export function addrCmp(a: Addr, b: Addr): -2 | -1 | 0 | 1 {
  if (a.bits !== b.bits) return -2;
  return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
}

function hostMask(bits: number, prefix: number): bigint {
  return (1n << BigInt(bits - prefix)) - 1n;
}

/** The address with the host bits of `prefix` cleared. */
export function networkAddr(a: Addr, prefix: number): Addr {
  return { bits: a.bits, n: a.n & ~hostMask(a.bits, prefix) };
}

/** The address with the host bits of `prefix` set (the last address of the prefix). */
export function lastAddr(a: Addr, prefix: number): Addr {
  return { bits: a.bits, n: a.n | hostMask(a.bits, prefix) };
}

/** Go's ip.NextIP: the following address, wrapping to zero after the last one. */
export function nextAddr(a: Addr): Addr {
  const max = (1n << BigInt(a.bits)) - 1n;
  return { bits: a.bits, n: a.n === max ? 0n : a.n + 1n };
}

/** net.IPNet.Contains. */
export function addrNetContains(p: AddrPrefix, a: Addr): boolean {
  if (a.bits !== p.ip.bits) return false;
  const prefix = addrPrefixLen(p);
  return networkAddr(a, prefix).n === networkAddr(p.ip, prefix).n;
}
