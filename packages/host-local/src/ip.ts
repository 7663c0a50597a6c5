/**
 * IP addresses the way Go's `net` package sees them, because host-local's file names, error texts
 * and range arithmetic all depend on Go's parsing and printing rules:
 * - `parseIP` accepts what `net.ParseIP` accepts (IPv4 without leading zeros, IPv6 with optional
 *   trailing dotted quad, no zone); an IPv4-mapped IPv6 address is IPv4 (Go's `To4`).
 * - `formatIP` prints like `net.IP.String()` (RFC 5952 compression, lower-case hex).
 * - `parseCIDR` accepts what `net.ParseCIDR` accepts and keeps the host bits.
 */
export interface IP {
  /** 32 for IPv4 (including IPv4-mapped IPv6 text), 128 for IPv6. */
  readonly bits: 32 | 128;
  readonly n: bigint;
}

export interface CIDR {
  /** The address as written (host bits kept), in canonical family. */
  readonly ip: IP;
  readonly prefix: number;
  /** Length of the mask: 32 when the address was written as IPv4, else 128. */
  readonly maskBits: 32 | 128;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function parseV6(s: string): bigint | undefined {
  let groups: number[] = [];
  const tail: number[] = [];
  let ellipsis = false;
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    if (s.indexOf('::', dbl + 1) >= 0) return undefined;
    ellipsis = true;
  }
  const parse = (part: string, out: number[], last: boolean): boolean => {
    if (part === '') return true;
    const fields = part.split(':');
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i] as string;
      if (last && i === fields.length - 1 && f.includes('.')) {
        const v4 = parseV4(f);
        if (v4 === undefined) return false;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(f)) return false;
      out.push(parseInt(f, 16));
    }
    return true;
  };
  if (ellipsis) {
    if (!parse(s.slice(0, dbl), groups, false) || !parse(s.slice(dbl + 2), tail, true)) return undefined;
    if (groups.length + tail.length > 7) return undefined;
    groups = [...groups, ...Array.from({ length: 8 - groups.length - tail.length }, () => 0), ...tail];
  } else {
    if (!parse(s, groups, true) || groups.length !== 8) return undefined;
  }
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  return n;
}

function canonical(n: bigint, v6Text: boolean): IP {
  if (!v6Text) return { bits: 32, n };
  if (n >> 32n === 0xffffn) return { bits: 32, n: n & 0xffffffffn };
  return { bits: 128, n };
}

/** Go `net.ParseIP`: undefined when the text is not an address. */
export function parseIP(s: string): IP | undefined {
  for (const c of s) {
    if (c === '.') {
      const n = parseV4(s);
      return n === undefined ? undefined : canonical(n, false);
    }
    if (c === ':') {
      const n = parseV6(s);
      return n === undefined ? undefined : canonical(n, true);
    }
  }
  return undefined;
}

/** Go `net.ParseCIDR`; undefined on any error (Go: `invalid CIDR address: <s>`). */
export function parseCIDR(s: string): CIDR | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const mask = s.slice(slash + 1);
  let maskBits: 32 | 128 = 32;
  let n = parseV4(addr);
  let v6 = false;
  if (n === undefined) {
    maskBits = 128;
    v6 = true;
    n = parseV6(addr);
  }
  if (n === undefined || !/^[0-9]+$/.test(mask)) return undefined;
  const prefix = Number(mask);
  if (prefix > maskBits) return undefined;
  return { ip: canonical(n, v6), prefix, maskBits };
}

const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');

/** Go `net.IP.String()`. */
export function formatIP(ip: IP): string {
  if (ip.bits === 32) {
    const n = ip.n;
    return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
  }
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((ip.n >> BigInt(i * 16)) & 0xffffn));
  // longest run of at least two zero groups; the first one wins a tie
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** Go `net.IPNet.String()` for a canonical mask: `<ip>/<prefix>`. */
export function formatCIDR(c: { ip: IP; prefix: number }): string {
  return `${formatIP(c.ip)}/${c.prefix}`;
}

export function ipEqual(a: IP | undefined, b: IP | undefined): boolean {
  return a !== undefined && b !== undefined && a.bits === b.bits && a.n === b.n;
}

/** -2 when the families differ (Go `ip.Cmp`). */
export function ipCmp(a: IP, b: IP): -2 | -1 | 0 | 1 {
  if (a.bits !== b.bits) return -2;
  return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
}

export function hostMask(bits: number, prefix: number): bigint {
  return (1n << BigInt(bits - prefix)) - 1n;
}

/** The address with the host bits cleared. */
export function networkOf(ip: IP, prefix: number): IP {
  return { bits: ip.bits, n: ip.n & ~hostMask(ip.bits, prefix) };
}

/** The all-ones address of the prefix. */
export function lastOf(ip: IP, prefix: number): IP {
  return { bits: ip.bits, n: ip.n | hostMask(ip.bits, prefix) };
}

export function nextIP(ip: IP): IP {
  const max = (1n << BigInt(ip.bits)) - 1n;
  return { bits: ip.bits, n: ip.n === max ? 0n : ip.n + 1n };
}

export function subnetContains(net: { ip: IP; prefix: number }, ip: IP): boolean {
  return ip.bits === net.ip.bits && networkOf(ip, net.prefix).n === networkOf(net.ip, net.prefix).n;
}
