// Just enough protobuf (proto3 wire format) for the gRPC APIs of a node we speak by hand: the
// kubelet's pod-resources API (Multus's resourceName -> deviceID) and, in the runtime suites,
// the CRI. Varints, length-delimited strings/messages and map<string,string> entries. A
// message a peer sent is untrusted: a truncated field or a wire type we do not know fails the
// decode with an error instead of reading past the buffer.

/** Builds one message; fields are written in call order, zero values omitted as proto3 does. */
export class ProtoWriter {
  private readonly parts: Buffer[] = [];

  private tag(field: number, wire: number): void {
    this.raw(varint(BigInt((field << 3) | wire)));
  }

  private raw(b: Buffer): void {
    this.parts.push(b);
  }

  uint(field: number, v: number | bigint | undefined): this {
    if (v === undefined || BigInt(v) === 0n) return this;
    this.tag(field, 0);
    this.raw(varint(BigInt(v)));
    return this;
  }

  bool(field: number, v: boolean | undefined): this {
    return this.uint(field, v ? 1 : 0);
  }

  bytes(field: number, v: Buffer | undefined): this {
    if (!v || v.length === 0) return this;
    this.tag(field, 2);
    this.raw(varint(BigInt(v.length)));
    this.raw(v);
    return this;
  }

  string(field: number, v: string | undefined): this {
    return this.bytes(field, v ? Buffer.from(v, 'utf8') : undefined);
  }

  /** A sub-message, written even when empty (presence matters for messages). */
  message(field: number, build: ((w: ProtoWriter) => void) | undefined): this {
    if (!build) return this;
    const w = new ProtoWriter();
    build(w);
    const b = w.finish();
    this.tag(field, 2);
    this.raw(varint(BigInt(b.length)));
    this.raw(b);
    return this;
  }

  map(field: number, m: Record<string, string> | undefined): this {
    for (const [k, v] of Object.entries(m ?? {})) this.message(field, (e) => e.string(1, k).string(2, v));
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function varint(v: bigint): Buffer {
  const out: number[] = [];
  let x = BigInt.asUintN(64, v);
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x) byte |= 0x80;
    out.push(byte);
  } while (x);
  return Buffer.from(out);
}

/** A decoded message: field number -> every value seen (varints as bigint, the rest as bytes). */
export class ProtoMessage {
  readonly fields = new Map<number, Array<bigint | Buffer>>();

  constructor(buf: Buffer) {
    let i = 0;
    const readVarint = (): bigint => {
      let result = 0n;
      let shift = 0n;
      for (;;) {
        const b = buf[i++];
        if (b === undefined) throw new Error('protobuf: truncated varint');
        if (shift > 63n) throw new Error('protobuf: varint too long');
        result |= BigInt(b & 0x7f) << shift;
        if (!(b & 0x80)) return result;
        shift += 7n;
      }
    };
    const take = (len: number): Buffer => {
      if (i + len > buf.length) throw new Error('protobuf: truncated field');
      const v = buf.subarray(i, i + len);
      i += len;
      return v;
    };
    while (i < buf.length) {
      const key = Number(readVarint());
      const field = key >>> 3;
      let value: bigint | Buffer;
      switch (key & 7) {
        case 0:
          value = readVarint();
          break;
        case 1:
          value = take(8);
          break;
        case 2:
          value = take(Number(readVarint()));
          break;
        case 5:
          value = take(4);
          break;
        default:
          throw new Error(`protobuf: unsupported wire type ${key & 7}`);
      }
      const list = this.fields.get(field) ?? [];
      list.push(value);
      this.fields.set(field, list);
    }
  }

  string(field: number): string {
    const v = this.fields.get(field)?.at(-1);
    return Buffer.isBuffer(v) ? v.toString('utf8') : '';
  }

  strings(field: number): string[] {
    return (this.fields.get(field) ?? []).filter(Buffer.isBuffer).map((b) => b.toString('utf8'));
  }

  uint(field: number): bigint {
    const v = this.fields.get(field)?.at(-1);
    return typeof v === 'bigint' ? v : 0n;
  }

  bool(field: number): boolean {
    return this.uint(field) !== 0n;
  }

  message(field: number): ProtoMessage | undefined {
    const v = this.fields.get(field)?.at(-1);
    return Buffer.isBuffer(v) ? new ProtoMessage(v) : undefined;
  }

  messages(field: number): ProtoMessage[] {
    return (this.fields.get(field) ?? []).filter(Buffer.isBuffer).map((b) => new ProtoMessage(b));
  }

  map(field: number): Record<string, string> {
    return Object.fromEntries(this.messages(field).map((e) => [e.string(1), e.string(2)]));
  }
}
