import { BUILTIN_IDS, GobError, WIRE_TYPE_ID } from './types';

/** A type definition received on the stream (gob's wireType), by id. */
type WireDef =
  | { kind: 'struct'; name: string; fields: { name: string; id: number }[] }
  | { kind: 'slice'; name: string; elem: number }
  | { kind: 'array'; name: string; elem: number; len: number }
  | { kind: 'map'; name: string; key: number; elem: number }
  | { kind: 'text' | 'binary' | 'gob'; name: string };

/** A decoded value, generically: structs as objects by field name, marshalled types as their bytes. */
export type GobValue = boolean | number | bigint | string | Uint8Array | GobValue[] | Map<GobValue, GobValue> | { [field: string]: GobValue };

/** What one value message decoded to: its wire type's name (`''` for a basic type) and the value. */
export interface Decoded {
  typeName: string;
  value: GobValue;
}

const BASIC_BY_ID = new Map<number, string>(Object.entries(BUILTIN_IDS).map(([k, v]) => [v, k]));

/** Largest message we accept (Go's tooBig is 1 GB; our messages are a few KB). */
const MAX_MESSAGE = 1 << 20;

class Reader {
  pos = 0;
  private readonly buf: Uint8Array;
  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new GobError('gob: unexpected EOF');
    return this.buf[this.pos++]!;
  }

  uintBig(): bigint {
    const b = this.byte();
    if (b < 128) return BigInt(b);
    const n = 256 - b;
    if (n > 8) throw new GobError('gob: encoded unsigned integer out of range');
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(this.byte());
    return v;
  }

  uint(): number {
    const v = this.uintBig();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new GobError('gob: length out of range');
    return Number(v);
  }

  intBig(): bigint {
    const u = this.uintBig();
    return u & 1n ? ~(u >> 1n) : u >> 1n;
  }

  int(): number {
    return Number(this.intBig());
  }

  bytes(): Uint8Array {
    const n = this.uint();
    if (n > this.buf.length - this.pos) throw new GobError('gob: data overflows the message');
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

function num(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * One direction of a gob stream. Feed it bytes as they arrive (`push`), take decoded values with
 * `next()` (undefined until a whole value message is there). Type definitions are consumed on the
 * way and kept for the life of the stream, as Go's `gob.Decoder` does.
 */
export class GobDecoder {
  private pending: Uint8Array[] = [];
  private pendingLen = 0;
  private readonly defs = new Map<number, WireDef>();

  push(chunk: Uint8Array): void {
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
  }

  /** Bytes received but not yet consumed. */
  get buffered(): number {
    return this.pendingLen;
  }

  /** Takes raw bytes off the front (used for the HTTP lines before the gob stream). */
  takeLine(): string | undefined {
    const all = this.flat();
    const nl = all.indexOf(0x0a);
    if (nl < 0) return undefined;
    this.consume(nl + 1);
    return Buffer.from(all.subarray(0, nl)).toString('latin1').replace(/\r$/, '');
  }

  next(): Decoded | undefined {
    for (;;) {
      const msg = this.message();
      if (!msg) return undefined;
      const r = new Reader(msg);
      const id = r.int();
      if (id < 0) {
        const def = this.readWireType(r);
        if (this.defs.has(-id)) throw new GobError(`gob: duplicate type received`);
        this.defs.set(-id, def);
        continue;
      }
      let value: GobValue;
      const def = this.defs.get(id);
      if (def?.kind === 'struct') value = this.decodeStruct(r, def);
      else {
        if (r.uint() !== 0) throw new GobError('gob: decode: corrupted data: non-zero delta for singleton');
        value = this.decodeValue(r, id);
      }
      return { typeName: def ? def.name : (BASIC_BY_ID.get(id) ?? ''), value };
    }
  }

  private flat(): Uint8Array {
    if (this.pending.length === 1) return this.pending[0]!;
    const all = Buffer.concat(this.pending);
    this.pending = all.length ? [all] : [];
    return all;
  }

  private consume(n: number): void {
    const all = this.flat();
    const rest = all.subarray(n);
    this.pending = rest.length ? [rest] : [];
    this.pendingLen = rest.length;
  }

  /** The next whole message (without its length), or undefined when more bytes are needed. */
  private message(): Uint8Array | undefined {
    if (this.pendingLen === 0) return undefined;
    const all = this.flat();
    const b = all[0]!;
    let len: number;
    let head: number;
    if (b < 128) {
      len = b;
      head = 1;
    } else {
      const n = 256 - b;
      if (n > 8) throw new GobError('gob: encoded unsigned integer out of range');
      if (all.length < 1 + n) return undefined;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + all[1 + i]!;
      head = 1 + n;
    }
    if (len > MAX_MESSAGE) throw new GobError(`gob: message too big (${len} bytes)`);
    if (len === 0) throw new GobError('gob: empty message');
    if (all.length < head + len) return undefined;
    const msg = all.slice(head, head + len);
    this.consume(head + len);
    return msg;
  }

  /** Reads a `wireType` struct (its field numbers are fixed by gob, see the encoder). */
  private readWireType(r: Reader): WireDef {
    let field = -1;
    let def: WireDef | undefined;
    for (;;) {
      const delta = r.uint();
      if (delta === 0) break;
      field += delta;
      const common = (): { name: string; id: number } => {
        let f = -1;
        let name = '';
        let id = 0;
        for (;;) {
          const d = r.uint();
          if (d === 0) break;
          f += d;
          if (f === 0) name = Buffer.from(r.bytes()).toString('utf8');
          else if (f === 1) id = r.int();
          else throw new GobError('gob: bad CommonType');
        }
        return { name, id };
      };
      // Every element type is a struct starting with CommonType (field 0).
      const fieldsOf = (read: (f: number) => void): string => {
        let f = -1;
        let name = '';
        for (;;) {
          const d = r.uint();
          if (d === 0) break;
          f += d;
          if (f === 0) name = common().name;
          else read(f);
        }
        return name;
      };
      switch (field) {
        case 0: {
          let elem = 0;
          let len = 0;
          const name = fieldsOf((f) => {
            if (f === 1) elem = r.int();
            else if (f === 2) len = r.int();
            else throw new GobError('gob: bad arrayType');
          });
          def = { kind: 'array', name, elem, len };
          break;
        }
        case 1: {
          let elem = 0;
          const name = fieldsOf((f) => {
            if (f === 1) elem = r.int();
            else throw new GobError('gob: bad sliceType');
          });
          def = { kind: 'slice', name, elem };
          break;
        }
        case 2: {
          const fields: { name: string; id: number }[] = [];
          const name = fieldsOf((f) => {
            if (f !== 1) throw new GobError('gob: bad structType');
            const n = r.uint();
            for (let i = 0; i < n; i++) {
              let ff = -1;
              let fname = '';
              let fid = 0;
              for (;;) {
                const d = r.uint();
                if (d === 0) break;
                ff += d;
                if (ff === 0) fname = Buffer.from(r.bytes()).toString('utf8');
                else if (ff === 1) fid = r.int();
                else throw new GobError('gob: bad fieldType');
              }
              fields.push({ name: fname, id: fid });
            }
          });
          def = { kind: 'struct', name, fields };
          break;
        }
        case 3: {
          let key = 0;
          let elem = 0;
          const name = fieldsOf((f) => {
            if (f === 1) key = r.int();
            else if (f === 2) elem = r.int();
            else throw new GobError('gob: bad mapType');
          });
          def = { kind: 'map', name, key, elem };
          break;
        }
        case 4:
        case 5:
        case 6: {
          const name = fieldsOf(() => {
            throw new GobError('gob: bad gobEncoderType');
          });
          def = { kind: field === 4 ? 'gob' : field === 5 ? 'binary' : 'text', name };
          break;
        }
        default:
          throw new GobError(`gob: unknown wireType field ${field}`);
      }
    }
    if (!def) throw new GobError('gob: empty type definition');
    return def;
  }

  private decodeStruct(r: Reader, def: Extract<WireDef, { kind: 'struct' }>): { [field: string]: GobValue } {
    const out: { [field: string]: GobValue } = {};
    let field = -1;
    for (;;) {
      const delta = r.uint();
      if (delta === 0) return out;
      field += delta;
      const f = def.fields[field];
      if (!f) throw new GobError(`gob: field number ${field} out of range in ${def.name}`);
      out[f.name] = this.decodeValue(r, f.id);
    }
  }

  private decodeValue(r: Reader, id: number): GobValue {
    switch (id) {
      case BUILTIN_IDS.bool: {
        const v = r.uint();
        if (v > 1) throw new GobError(`gob: invalid bool ${v}`);
        return v === 1;
      }
      case BUILTIN_IDS.int:
        return num(r.intBig());
      case BUILTIN_IDS.uint:
        return num(r.uintBig());
      case BUILTIN_IDS.float: {
        const dv = new DataView(new ArrayBuffer(8));
        dv.setBigUint64(0, r.uintBig(), false);
        return dv.getFloat64(0, true);
      }
      case BUILTIN_IDS.bytes:
        return r.bytes();
      case BUILTIN_IDS.string:
        return Buffer.from(r.bytes()).toString('utf8');
      case BUILTIN_IDS.complex:
      case BUILTIN_IDS.interface:
        throw new GobError(`gob: ${BASIC_BY_ID.get(id)} values are not supported`);
      case WIRE_TYPE_ID:
        throw new GobError('gob: wireType values are not supported');
      default:
        break;
    }
    const def = this.defs.get(id);
    if (!def) throw new GobError(`gob: unknown type id ${id}`);
    switch (def.kind) {
      case 'struct':
        return this.decodeStruct(r, def);
      case 'slice':
      case 'array': {
        const n = r.uint();
        if (def.kind === 'array' && n !== def.len) throw new GobError(`gob: length mismatch in decodeArray`);
        if (n > MAX_MESSAGE) throw new GobError('gob: slice too big');
        const out: GobValue[] = [];
        for (let i = 0; i < n; i++) out.push(this.decodeValue(r, def.elem));
        return out;
      }
      case 'map': {
        const n = r.uint();
        if (n > MAX_MESSAGE) throw new GobError('gob: map too big');
        const out = new Map<GobValue, GobValue>();
        for (let i = 0; i < n; i++) out.set(this.decodeValue(r, def.key), this.decodeValue(r, def.elem));
        return out;
      }
      case 'text':
      case 'binary':
      case 'gob':
        return r.bytes();
    }
  }
}
