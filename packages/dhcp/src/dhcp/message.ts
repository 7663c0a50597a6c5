// DHCPv4 messages (RFC 2131 §2, options RFC 2132), encoded and decoded.

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
export const MAGIC = 0x63825363;
export const FLAG_BROADCAST = 0x8000;

export const Opt = {
  Pad: 0,
  SubnetMask: 1,
  Router: 3,
  DomainNameServer: 6,
  HostName: 12,
  DomainName: 15,
  StaticRoutes: 33,
  RequestedIP: 50,
  LeaseTime: 51,
  Overload: 52,
  MessageType: 53,
  ServerId: 54,
  ParamRequestList: 55,
  Message: 56,
  MaxMessageSize: 57,
  RenewalTime: 58,
  RebindingTime: 59,
  ClassId: 60,
  ClientId: 61,
  UserClass: 77,
  ClasslessRoutes: 121,
  End: 255,
} as const;

export const MsgType = {
  Discover: 1,
  Offer: 2,
  Request: 3,
  Decline: 4,
  Ack: 5,
  Nak: 6,
  Release: 7,
  Inform: 8,
} as const;

export const MSG_TYPE_NAMES: Record<number, string> = {
  1: 'DISCOVER',
  2: 'OFFER',
  3: 'REQUEST',
  4: 'DECLINE',
  5: 'ACK',
  6: 'NAK',
  7: 'RELEASE',
  8: 'INFORM',
};

/** An IPv4 address as four bytes' dotted text. */
export type IPv4 = string;

export interface DhcpMessage {
  op: number;
  htype: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: IPv4;
  yiaddr: IPv4;
  siaddr: IPv4;
  giaddr: IPv4;
  /** client hardware address (hlen bytes) */
  chaddr: Uint8Array;
  sname: string;
  file: string;
  /** options by code, in the order they were given; a repeated option is concatenated (RFC 3396). */
  options: Map<number, Uint8Array>;
}

export function ip4Bytes(ip: IPv4): Uint8Array {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`invalid IPv4 address ${ip}`);
  return Uint8Array.from(parts);
}

export function ip4Text(b: Uint8Array, off = 0): IPv4 {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

export function newMessage(fields: Partial<DhcpMessage> & Pick<DhcpMessage, 'xid' | 'chaddr'>): DhcpMessage {
  return {
    op: BOOTREQUEST,
    htype: 1,
    hops: 0,
    secs: 0,
    flags: 0,
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    sname: '',
    file: '',
    options: new Map(),
    ...fields,
  };
}

/** Minimum BOOTP message size that relays and old servers insist on. */
const MIN_SIZE = 300;

/** Encodes a message; options go message type first, then in the order of the map; long ones are split. */
export function encodeMessage(m: DhcpMessage): Uint8Array {
  const opts: number[] = [];
  const put = (code: number, value: Uint8Array) => {
    for (let off = 0; off < value.length || off === 0; off += 255) {
      const part = value.subarray(off, off + 255);
      opts.push(code, part.length, ...part);
      if (value.length === 0) break;
    }
  };
  const type = m.options.get(Opt.MessageType);
  if (type) put(Opt.MessageType, type);
  for (const [code, value] of m.options) if (code !== Opt.MessageType && code !== Opt.Pad && code !== Opt.End) put(code, value);
  opts.push(Opt.End);
  const size = Math.max(MIN_SIZE, 240 + opts.length);
  const b = Buffer.alloc(size);
  b[0] = m.op;
  b[1] = m.htype;
  b[2] = Math.min(m.chaddr.length, 16);
  b[3] = m.hops;
  b.writeUInt32BE(m.xid >>> 0, 4);
  b.writeUInt16BE(m.secs, 8);
  b.writeUInt16BE(m.flags, 10);
  b.set(ip4Bytes(m.ciaddr), 12);
  b.set(ip4Bytes(m.yiaddr), 16);
  b.set(ip4Bytes(m.siaddr), 20);
  b.set(ip4Bytes(m.giaddr), 24);
  b.set(m.chaddr.subarray(0, 16), 28);
  b.write(m.sname.slice(0, 63), 44, 'latin1');
  b.write(m.file.slice(0, 127), 108, 'latin1');
  b.writeUInt32BE(MAGIC, 236);
  b.set(opts, 240);
  return b;
}

export class DhcpParseError extends Error {
  override name = 'DhcpParseError';
}

function readOptions(b: Uint8Array, into: Map<number, Uint8Array>): void {
  let i = 0;
  while (i < b.length) {
    const code = b[i]!;
    if (code === Opt.Pad) {
      i++;
      continue;
    }
    if (code === Opt.End) return;
    if (i + 1 >= b.length) throw new DhcpParseError('truncated option');
    const len = b[i + 1]!;
    if (i + 2 + len > b.length) throw new DhcpParseError(`option ${code} overflows the message`);
    const value = b.subarray(i + 2, i + 2 + len);
    const prev = into.get(code);
    into.set(code, prev ? Buffer.concat([prev, value]) : Uint8Array.from(value));
    i += 2 + len;
  }
}

function cstring(b: Uint8Array): string {
  const nul = b.indexOf(0);
  return Buffer.from(nul < 0 ? b : b.subarray(0, nul)).toString('latin1');
}

export function decodeMessage(b: Uint8Array): DhcpMessage {
  if (b.length < 240) throw new DhcpParseError(`message too short (${b.length} bytes)`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(236) !== MAGIC) throw new DhcpParseError('bad magic cookie');
  const hlen = Math.min(b[2]!, 16);
  const options = new Map<number, Uint8Array>();
  readOptions(b.subarray(240), options);
  // Option overload (52): file and/or sname carry more options.
  const overload = options.get(Opt.Overload)?.[0] ?? 0;
  if (overload & 1) readOptions(b.subarray(108, 236), options);
  if (overload & 2) readOptions(b.subarray(44, 108), options);
  return {
    op: b[0]!,
    htype: b[1]!,
    hops: b[3]!,
    xid: dv.getUint32(4),
    secs: dv.getUint16(8),
    flags: dv.getUint16(10),
    ciaddr: ip4Text(b, 12),
    yiaddr: ip4Text(b, 16),
    siaddr: ip4Text(b, 20),
    giaddr: ip4Text(b, 24),
    chaddr: Uint8Array.from(b.subarray(28, 28 + hlen)),
    sname: overload & 2 ? '' : cstring(b.subarray(44, 108)),
    file: overload & 1 ? '' : cstring(b.subarray(108, 236)),
    options,
  };
}

// ---- option accessors ------------------------------------------------------------------------

export function messageType(m: DhcpMessage): number {
  return m.options.get(Opt.MessageType)?.[0] ?? 0;
}

export function optIP(m: DhcpMessage, code: number): IPv4 | undefined {
  const v = m.options.get(code);
  return v && v.length >= 4 ? ip4Text(v) : undefined;
}

export function optIPs(m: DhcpMessage, code: number): IPv4[] {
  const v = m.options.get(code);
  const out: IPv4[] = [];
  if (!v) return out;
  for (let i = 0; i + 4 <= v.length; i += 4) out.push(ip4Text(v, i));
  return out;
}

/** A 32-bit seconds option (lease time, T1, T2), or undefined. */
export function optSeconds(m: DhcpMessage, code: number): number | undefined {
  const v = m.options.get(code);
  return v && v.length === 4 ? Buffer.from(v).readUInt32BE(0) : undefined;
}

export function optText(m: DhcpMessage, code: number): string | undefined {
  const v = m.options.get(code);
  return v ? Buffer.from(v).toString('utf8') : undefined;
}

/** The prefix length of a contiguous mask; undefined for a non-contiguous one. */
export function maskPrefix(mask: Uint8Array): number | undefined {
  let ones = 0;
  let zero = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      if ((byte >> bit) & 1) {
        if (zero) return undefined;
        ones++;
      } else zero = true;
    }
  }
  return ones;
}

export interface ClasslessRoute {
  dst: string;
  router: IPv4;
}

/** Option 121 (RFC 3442); undefined when malformed (the whole option is then ignored, as upstream's library does). */
export function classlessRoutes(m: DhcpMessage): ClasslessRoute[] | undefined {
  const v = m.options.get(Opt.ClasslessRoutes);
  if (!v) return undefined;
  const out: ClasslessRoute[] = [];
  let i = 0;
  while (i < v.length) {
    const width = v[i]!;
    if (width > 32) return undefined;
    const octets = Math.ceil(width / 8);
    if (i + 1 + octets + 4 > v.length) return undefined;
    const dst = new Uint8Array(4);
    dst.set(v.subarray(i + 1, i + 1 + octets));
    // Bits beyond the width are zeroed, as net.IPNet's string would mask them.
    for (let bit = width; bit < 32; bit++) dst[bit >> 3]! &= ~(0x80 >> (bit & 7));
    out.push({ dst: `${ip4Text(dst)}/${width}`, router: ip4Text(v, i + 1 + octets) });
    i += 1 + octets + 4;
  }
  return out;
}

/** Option 33: classful destination/router pairs. Class D/E destinations (no default mask) are skipped. */
export function staticRoutes(m: DhcpMessage): ClasslessRoute[] {
  const v = m.options.get(Opt.StaticRoutes);
  const out: ClasslessRoute[] = [];
  if (!v) return out;
  for (let i = 0; i + 8 <= v.length; i += 8) {
    const first = v[i]!;
    const prefix = first < 0x80 ? 8 : first < 0xc0 ? 16 : first < 0xe0 ? 24 : undefined;
    if (prefix === undefined) continue;
    // Go's IPNet{IP: sn, Mask: DefaultMask} prints the address as sent (host bits kept).
    out.push({ dst: `${ip4Text(v, i)}/${prefix}`, router: ip4Text(v, i + 4) });
  }
  return out;
}

export function describe(m: DhcpMessage): string {
  const t = MSG_TYPE_NAMES[messageType(m)] ?? `type ${messageType(m)}`;
  return `${t} xid=0x${m.xid.toString(16).padStart(8, '0')} ciaddr=${m.ciaddr} yiaddr=${m.yiaddr}`;
}
