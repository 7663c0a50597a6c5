import { BUILTIN_IDS, FIRST_USER_ID, GobError, type GobType, typeName } from './types';

/** A growable byte buffer with gob's number encodings. */
export class GobWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** Unsigned: below 128 one byte, else the negated byte count, then big-endian bytes. */
  uint(v: number | bigint): void {
    let n = BigInt(v);
    if (n < 0n) throw new GobError(`gob: negative value ${n} for an unsigned field`);
    if (n < 128n) {
      this.byte(Number(n));
      return;
    }
    const bytes: number[] = [];
    while (n > 0n) {
      bytes.unshift(Number(n & 0xffn));
      n >>= 8n;
    }
    if (bytes.length > 8) throw new GobError('gob: unsigned value overflows 64 bits');
    this.byte(256 - bytes.length);
    for (const b of bytes) this.byte(b);
  }

  /** Signed: bit 0 is the sign (complement when set), the rest the magnitude. */
  int(v: number | bigint): void {
    const i = BigInt(v);
    this.uint(i < 0n ? ((~i) << 1n) | 1n : i << 1n);
  }

  float(f: number): void {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, f, true); // little-endian bytes = the big-endian ones reversed
    this.uint(dv.getBigUint64(0, false));
  }

  bytes(b: Uint8Array): void {
    this.uint(b.length);
    this.raw(b);
  }

  string(s: string): void {
    this.bytes(Buffer.from(s, 'utf8'));
  }

  take(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  get length(): number {
    return this.len;
  }
}

type Struct = Record<string, unknown>;

function isZero(t: GobType, v: unknown): boolean {
  // Go always sends struct and array fields, even when all their fields are zero.
  if (t.kind === 'struct' || t.kind === 'array') return false;
  if (v === undefined || v === null) return true;
  switch (t.kind) {
    case 'bool':
      return v === false;
    case 'int':
    case 'uint':
    case 'float':
      return v === 0 || v === 0n;
    case 'string':
      return v === '';
    case 'bytes':
    case 'slice':
      return (v as ArrayLike<unknown>).length === 0;
    case 'map':
      return (v as Map<unknown, unknown>).size === 0;
    case 'text':
    case 'binary':
    case 'gob':
      // Go skips only a nil value (reflect IsZero of a nil slice); we use undefined for that.
      return false;
    default:
      return false;
  }
}

/**
 * One direction of a gob stream: remembers which type definitions it has sent, as Go's
 * `gob.Encoder` does, so each is sent once per connection.
 */
export class GobEncoder {
  private sent = new Map<GobType, number>();
  private nextId = FIRST_USER_ID;

  /** The messages for `value` of type `t`: any new type definitions, then the value. */
  encode(t: GobType, value: unknown): Uint8Array {
    const out = new GobWriter();
    this.sendType(out, t);
    const msg = new GobWriter();
    msg.int(this.idOf(t));
    if (t.kind === 'struct') this.encodeStruct(msg, t, (value ?? {}) as Struct);
    else {
      msg.uint(0); // a top-level non-struct value is a "singleton": field delta 0, then the value
      this.encodeValue(msg, t, value);
    }
    frame(out, msg);
    return out.take();
  }

  private idOf(t: GobType): number {
    if (t.kind in BUILTIN_IDS) return BUILTIN_IDS[t.kind as keyof typeof BUILTIN_IDS];
    const id = this.sent.get(t);
    if (id === undefined) throw new GobError(`gob: type ${typeName(t)} not sent`);
    return id;
  }

  /** Assigns ids to `t` and every composite type inside it (depth first, parent first). */
  private assign(t: GobType, order: GobType[]): void {
    if (t.kind in BUILTIN_IDS || this.sent.has(t)) return;
    this.sent.set(t, this.nextId++);
    order.push(t);
    switch (t.kind) {
      case 'struct':
        for (const f of t.fields) this.assign(f.type, order);
        break;
      case 'slice':
      case 'array':
        this.assign(t.elem, order);
        break;
      case 'map':
        this.assign(t.key, order);
        this.assign(t.elem, order);
        break;
      default:
        break;
    }
  }

  private sendType(out: GobWriter, t: GobType): void {
    const order: GobType[] = [];
    this.assign(t, order);
    for (const def of order) {
      const msg = new GobWriter();
      msg.int(-this.idOf(def));
      this.wireType(msg, def);
      frame(out, msg);
    }
  }

  /** gob's `wireType` struct: one of ArrayT(1) SliceT(2) StructT(3) MapT(4) GobEncoderT(5) BinaryMarshalerT(6) TextMarshalerT(7). */
  private wireType(w: GobWriter, t: GobType): void {
    const common = (name: string) => {
      // CommonType{Name string; Id typeId}: field 0 delta 1, field 1 delta 1, end.
      if (name !== '') {
        w.uint(1);
        w.string(name);
        w.uint(1);
      } else w.uint(2);
      w.int(this.idOf(t));
      w.uint(0);
    };
    switch (t.kind) {
      case 'array':
        w.uint(1);
        w.uint(1);
        common(t.name);
        w.uint(1);
        w.int(this.idOf(t.elem));
        if (t.len !== 0) {
          w.uint(1);
          w.int(t.len);
        }
        w.uint(0);
        break;
      case 'slice':
        w.uint(2);
        w.uint(1);
        common(t.name);
        w.uint(1);
        w.int(this.idOf(t.elem));
        w.uint(0);
        break;
      case 'struct':
        w.uint(3);
        w.uint(1);
        common(t.name);
        if (t.fields.length > 0) {
          w.uint(1);
          w.uint(t.fields.length);
          for (const f of t.fields) {
            // fieldType{Name string; Id typeId}
            w.uint(1);
            w.string(f.name);
            w.uint(1);
            w.int(this.idOf(f.type));
            w.uint(0);
          }
        }
        w.uint(0);
        break;
      case 'map':
        w.uint(4);
        w.uint(1);
        common(t.name);
        w.uint(1);
        w.int(this.idOf(t.key));
        w.uint(1);
        w.int(this.idOf(t.elem));
        w.uint(0);
        break;
      case 'gob':
      case 'binary':
      case 'text':
        w.uint(t.kind === 'gob' ? 5 : t.kind === 'binary' ? 6 : 7);
        w.uint(1);
        common(t.name);
        w.uint(0);
        break;
      default:
        throw new GobError(`gob: no definition for basic type ${t.kind}`);
    }
    w.uint(0); // end of wireType
  }

  private encodeStruct(w: GobWriter, t: Extract<GobType, { kind: 'struct' }>, v: Struct): void {
    let last = -1;
    t.fields.forEach((f, i) => {
      const fv = v[f.name];
      if (isZero(f.type, fv)) return;
      w.uint(i - last);
      last = i;
      this.encodeValue(w, f.type, fv);
    });
    w.uint(0);
  }

  private encodeValue(w: GobWriter, t: GobType, v: unknown): void {
    switch (t.kind) {
      case 'bool':
        w.uint(v ? 1 : 0);
        return;
      case 'int':
        w.int((v ?? 0) as number | bigint);
        return;
      case 'uint':
        w.uint((v ?? 0) as number | bigint);
        return;
      case 'float':
        w.float((v ?? 0) as number);
        return;
      case 'string':
        w.string((v ?? '') as string);
        return;
      case 'bytes':
        w.bytes((v ?? new Uint8Array()) as Uint8Array);
        return;
      case 'text':
      case 'binary':
      case 'gob':
        w.bytes(typeof v === 'string' ? Buffer.from(v, 'utf8') : ((v ?? new Uint8Array()) as Uint8Array));
        return;
      case 'struct':
        this.encodeStruct(w, t, (v ?? {}) as Struct);
        return;
      case 'slice':
      case 'array': {
        const a = (v ?? []) as unknown[];
        if (t.kind === 'array' && a.length !== t.len) throw new GobError(`gob: array ${t.name} needs ${t.len} elements`);
        w.uint(a.length);
        for (const e of a) {
          if (e === undefined || e === null) throw new GobError('gob: encodeArray: nil element');
          this.encodeValue(w, t.elem, e);
        }
        return;
      }
      case 'map': {
        const m = (v ?? new Map()) as Map<unknown, unknown>;
        w.uint(m.size);
        for (const [k, e] of m) {
          this.encodeValue(w, t.key, k);
          this.encodeValue(w, t.elem, e);
        }
        return;
      }
    }
  }
}

/** Writes one gob message: its byte count, then the bytes. */
function frame(out: GobWriter, msg: GobWriter): void {
  out.uint(msg.length);
  out.raw(msg.take());
}
