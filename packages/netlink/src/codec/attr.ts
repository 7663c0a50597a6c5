/** Netlink attributes (struct nlattr): a 4-byte header, the payload, padding to 4 bytes. */
export interface Attr {
  /** type including the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits, exactly as on the wire. */
  type: number;
  data: Buffer;
}

export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = 0x3fff;

export const align4 = (n: number): number => (n + 3) & ~3;

/** Splits a run of attributes. Stops at the first malformed header (the kernel never sends one). */
export function parseAttrs(buf: Buffer): Attr[] {
  const out: Attr[] = [];
  let off = 0;
  while (off + 4 <= buf.length) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > buf.length) break;
    out.push({ type: buf.readUInt16LE(off + 2), data: buf.subarray(off + 4, off + len) });
    off += align4(len);
  }
  return out;
}

export function attrsSize(attrs: readonly Attr[]): number {
  let n = 0;
  for (const a of attrs) n += align4(4 + a.data.length);
  return n;
}

/** Encodes attributes back to back, zero padding each to 4 bytes. */
export function encodeAttrs(attrs: readonly Attr[]): Buffer {
  const out = Buffer.alloc(attrsSize(attrs));
  let off = 0;
  for (const a of attrs) {
    out.writeUInt16LE(4 + a.data.length, off);
    out.writeUInt16LE(a.type, off + 2);
    a.data.copy(out, off + 4);
    off += align4(4 + a.data.length);
  }
  return out;
}

const num = (size: number, write: (b: Buffer, v: number) => void) => (type: number, v: number): Attr => {
  const data = Buffer.alloc(size);
  write(data, v);
  return { type, data };
};

/** Attribute builders. */
export const nla = {
  raw: (type: number, data: Buffer): Attr => ({ type, data }),
  flag: (type: number): Attr => ({ type, data: Buffer.alloc(0) }),
  u8: num(1, (b, v) => b.writeUInt8(v)),
  u16: num(2, (b, v) => b.writeUInt16LE(v)),
  be16: num(2, (b, v) => b.writeUInt16BE(v)),
  u32: num(4, (b, v) => b.writeUInt32LE(v >>> 0)),
  i32: num(4, (b, v) => b.writeInt32LE(v)),
  u64: (type: number, v: bigint | number): Attr => {
    const data = Buffer.alloc(8);
    data.writeBigUInt64LE(BigInt(v));
    return { type, data };
  },
  /** a NUL-terminated string (NLA_NUL_STRING and most NLA_STRING users). */
  str: (type: number, s: string): Attr => ({ type, data: Buffer.from(`${s}\0`) }),
  /** a string without terminator (IFLA_IFALIAS as iproute2 sends it). */
  strRaw: (type: number, s: string): Attr => ({ type, data: Buffer.from(s) }),
  nest: (type: number, children: readonly Attr[]): Attr => ({ type, data: encodeAttrs(children) }),
};

/** Read access to a parsed attribute list by type (flag bits ignored; the last occurrence wins). */
export class AttrMap {
  readonly list: Attr[];
  readonly #byType = new Map<number, Buffer>();

  constructor(src: Buffer | Attr[]) {
    this.list = Buffer.isBuffer(src) ? parseAttrs(src) : src;
    for (const a of this.list) this.#byType.set(a.type & NLA_TYPE_MASK, a.data);
  }

  has(type: number): boolean {
    return this.#byType.has(type);
  }
  get(type: number): Buffer | undefined {
    return this.#byType.get(type);
  }
  /** every occurrence of a type, in order (RTA_MULTIPATH-like repeated attributes). */
  all(type: number): Buffer[] {
    return this.list.filter((a) => (a.type & NLA_TYPE_MASK) === type).map((a) => a.data);
  }
  u8(type: number): number | undefined {
    const b = this.get(type);
    return b && b.length >= 1 ? b.readUInt8(0) : undefined;
  }
  u16(type: number): number | undefined {
    const b = this.get(type);
    return b && b.length >= 2 ? b.readUInt16LE(0) : undefined;
  }
  be16(type: number): number | undefined {
    const b = this.get(type);
    return b && b.length >= 2 ? b.readUInt16BE(0) : undefined;
  }
  u32(type: number): number | undefined {
    const b = this.get(type);
    return b && b.length >= 4 ? b.readUInt32LE(0) : undefined;
  }
  i32(type: number): number | undefined {
    const b = this.get(type);
    return b && b.length >= 4 ? b.readInt32LE(0) : undefined;
  }
  u64(type: number): bigint | undefined {
    const b = this.get(type);
    return b && b.length >= 8 ? b.readBigUInt64LE(0) : undefined;
  }
  str(type: number): string | undefined {
    const b = this.get(type);
    if (!b) return undefined;
    const nul = b.indexOf(0);
    return b.toString('utf8', 0, nul === -1 ? b.length : nul);
  }
  nested(type: number): AttrMap | undefined {
    const b = this.get(type);
    return b ? new AttrMap(b) : undefined;
  }
}
