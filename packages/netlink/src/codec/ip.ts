// IP and MAC address text <-> bytes, printed the way Go's net package prints them.

function parseV4(s: string): Buffer | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));

function parseV6(s: string): Buffer | undefined {
  let tail: Buffer | undefined;
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail = parseV4(text.slice(lastColon + 1));
    if (!tail) return undefined;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const out = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    out.writeUInt16BE(parseInt(g, 16), i * 2);
  }
  if (tail) tail.copy(out, 12);
  return out;
}

/** 4 bytes for IPv4 text, 16 for IPv6, undefined when the text is not an address. */
export function tryParseIP(s: string): Buffer | undefined {
  return s.includes(':') ? parseV6(s) : parseV4(s);
}

export function parseIP(s: string): Buffer {
  const b = tryParseIP(s);
  if (!b) throw new Error(`invalid IP address ${JSON.stringify(s)}`);
  return b;
}

/** Formats 4 or 16 bytes; IPv6 in RFC 5952 form (longest zero run compressed, lower case). */
export function formatIP(b: Buffer): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) return b.toString('hex');
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) {
    return `::ffff:${formatIP(b.subarray(12))}`;
  }
  const g = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export interface Cidr {
  ip: Buffer;
  prefixLen: number;
}

/** '10.1.2.3/24' -> bytes of the address as written (not masked) and the prefix length. */
export function parseCIDR(s: string): Cidr {
  const slash = s.indexOf('/');
  const ip = parseIP(slash === -1 ? s : s.slice(0, slash));
  const max = ip.length * 8;
  if (slash === -1) return { ip, prefixLen: max };
  const p = s.slice(slash + 1);
  const prefixLen = Number(p);
  if (!/^\d{1,3}$/.test(p) || prefixLen > max) throw new Error(`invalid CIDR address ${JSON.stringify(s)}`);
  return { ip, prefixLen };
}

export function formatCIDR(ip: Buffer, prefixLen: number): string {
  return `${formatIP(ip)}/${prefixLen}`;
}

/** The address with the host bits cleared. */
export function maskIP(ip: Buffer, prefixLen: number): Buffer {
  const out = Buffer.from(ip);
  for (let i = 0; i < out.length; i++) {
    const bits = Math.max(0, Math.min(8, prefixLen - i * 8));
    out[i]! &= (0xff << (8 - bits)) & 0xff;
  }
  return out;
}

/** The address with the host bits set (IPv4 broadcast). */
export function broadcastOf(ip: Buffer, prefixLen: number): Buffer {
  const out = Buffer.from(ip);
  for (let i = 0; i < out.length; i++) {
    const bits = Math.max(0, Math.min(8, prefixLen - i * 8));
    out[i]! |= ~(0xff << (8 - bits)) & 0xff;
  }
  return out;
}

/** IP family number of an address text: 4 or 6. */
export function ipFamily(s: string): 4 | 6 {
  return s.includes(':') ? 6 : 4;
}

/** Parses a hardware address like Go's net.ParseMAC: colon, dash or dotted (aabb.ccdd.eeff) form. */
export function parseMAC(s: string): Buffer {
  const bad = () => new Error(`address ${s}: invalid MAC address`);
  let hex: string;
  if (/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2})+$/.test(s)) {
    if (s.includes(':') && s.includes('-')) throw bad();
    hex = s.replace(/[:-]/g, '');
  } else if (/^[0-9a-fA-F]{4}(\.[0-9a-fA-F]{4})+$/.test(s)) {
    hex = s.replace(/\./g, '');
  } else {
    throw bad();
  }
  const b = Buffer.from(hex, 'hex');
  if (b.length !== 6 && b.length !== 8 && b.length !== 20) throw bad();
  return b;
}

/** Lower-case, colon-separated. */
export function formatMAC(b: Buffer): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}
