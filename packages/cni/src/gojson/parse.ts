import { goQuoteChar } from './quote';

/**
 * A JSON syntax error worded exactly as Go's encoding/json scanner words it, e.g.
 * "unexpected end of JSON input" or "invalid character 'x' looking for beginning of value".
 */
export class GoJsonSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'GoJsonSyntaxError';
    this.offset = offset;
  }
}

const MAX_DEPTH = 10000;
const SPACE = 0x20;
const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** Sets a key so that a repeated key ends up holding the last value (Go: last one wins). */
function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (Object.prototype.hasOwnProperty.call(obj, key)) delete obj[key];
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/**
 * Parses JSON with Go's acceptance rules and error texts. The scanner of encoding/json sees
 * one byte at a time and, at end of input, feeds one more space: so "tru" fails with
 * "invalid character ' ' in literal true (expecting 'e')" while "[1" is "unexpected end of
 * JSON input". This parser walks the same states in the same order, so the first error it
 * meets is the one Go reports.
 */
class Parser {
  private i = 0;
  private depth = 0;
  private readonly b: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.b = bytes;
  }

  /** Current byte; past the end it is the space Go's scanner feeds at EOF. */
  private cur(): number {
    return this.i < this.b.length ? this.b[this.i]! : SPACE;
  }

  private fail(c: number, context: string): never {
    throw new GoJsonSyntaxError(`invalid character ${goQuoteChar(c)} ${context}`, this.i);
  }

  private eof(): never {
    throw new GoJsonSyntaxError('unexpected end of JSON input', this.b.length);
  }

  /** Skips whitespace; at end of input the value is incomplete. */
  private skip(): number {
    while (this.i < this.b.length && isSpace(this.b[this.i]!)) this.i++;
    if (this.i >= this.b.length) this.eof();
    return this.b[this.i]!;
  }

  top(): unknown {
    const v = this.value();
    while (this.i < this.b.length && isSpace(this.b[this.i]!)) this.i++;
    if (this.i < this.b.length) this.fail(this.b[this.i]!, 'after top-level value');
    return v;
  }

  private value(): unknown {
    const c = this.skip();
    switch (c) {
      case 0x7b:
        return this.object();
      case 0x5b:
        return this.array();
      case 0x22:
        return this.string();
      case 0x74:
        this.literal('true');
        return true;
      case 0x66:
        this.literal('false');
        return false;
      case 0x6e:
        this.literal('null');
        return null;
    }
    if (c === 0x2d || isDigit(c)) return this.number();
    return this.fail(c, 'looking for beginning of value');
  }

  private push(): void {
    if (++this.depth > MAX_DEPTH) throw new GoJsonSyntaxError('exceeded max depth', this.i);
  }

  private object(): Record<string, unknown> {
    this.push();
    this.i++;
    const obj: Record<string, unknown> = {};
    let c = this.skip();
    if (c === 0x7d) {
      this.i++;
      this.depth--;
      return obj;
    }
    for (;;) {
      c = this.skip();
      if (c !== 0x22) this.fail(c, 'looking for beginning of object key string');
      const key = this.string();
      c = this.skip();
      if (c !== 0x3a) this.fail(c, 'after object key');
      this.i++;
      setKey(obj, key, this.value());
      c = this.skip();
      this.i++;
      if (c === 0x2c) continue;
      if (c === 0x7d) break;
      this.i--;
      this.fail(c, 'after object key:value pair');
    }
    this.depth--;
    return obj;
  }

  private array(): unknown[] {
    this.push();
    this.i++;
    const arr: unknown[] = [];
    let c = this.skip();
    if (c === 0x5d) {
      this.i++;
      this.depth--;
      return arr;
    }
    for (;;) {
      arr.push(this.value());
      c = this.skip();
      this.i++;
      if (c === 0x2c) continue;
      if (c === 0x5d) break;
      this.i--;
      this.fail(c, 'after array element');
    }
    this.depth--;
    return arr;
  }

  private literal(word: string): void {
    this.i++;
    for (let k = 1; k < word.length; k++) {
      const c = this.cur();
      if (c !== word.charCodeAt(k)) this.fail(c, `in literal ${word} (expecting '${word[k]}')`);
      this.i++;
    }
  }

  private digits(): void {
    while (this.i < this.b.length && isDigit(this.b[this.i]!)) this.i++;
  }

  private number(): number {
    const start = this.i;
    if (this.cur() === 0x2d) {
      this.i++;
      if (!isDigit(this.cur())) this.fail(this.cur(), 'in numeric literal');
    }
    if (this.cur() === 0x30) this.i++;
    else this.digits();
    if (this.i < this.b.length && this.b[this.i] === 0x2e) {
      this.i++;
      if (!isDigit(this.cur())) this.fail(this.cur(), 'after decimal point in numeric literal');
      this.digits();
    }
    if (this.i < this.b.length && (this.b[this.i] === 0x65 || this.b[this.i] === 0x45)) {
      this.i++;
      if (this.cur() === 0x2b || this.cur() === 0x2d) this.i++;
      if (!isDigit(this.cur())) this.fail(this.cur(), 'in exponent of numeric literal');
      this.digits();
    }
    return Number(utf8.decode(this.b.subarray(start, this.i)));
  }

  private string(): string {
    this.i++;
    const start = this.i;
    let escaped = false;
    for (;;) {
      if (this.i >= this.b.length) this.eof();
      const c = this.b[this.i]!;
      if (c === 0x22) break;
      if (c < 0x20) this.fail(c, 'in string literal');
      if (c === 0x5c) {
        escaped = true;
        this.i++;
        const e = this.cur();
        if (e === 0x75) {
          this.i++;
          for (let k = 0; k < 4; k++, this.i++) {
            if (!isHex(this.cur())) this.fail(this.cur(), 'in \\u hexadecimal character escape');
          }
          continue;
        }
        if (!'bfnrt\\/"'.includes(String.fromCharCode(e))) this.fail(e, 'in string escape code');
      }
      this.i++;
    }
    const raw = this.b.subarray(start, this.i);
    this.i++;
    return escaped ? unescape(utf8.decode(raw)) : utf8.decode(raw);
  }
}

const SIMPLE: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '\\': '\\', '/': '/', '"': '"' };

/** Decodes escapes of an already validated string body; lone surrogates become U+FFFD as in Go. */
function unescape(s: string): string {
  let out = '';
  for (let k = 0; k < s.length; k++) {
    const ch = s[k]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const e = s[++k]!;
    if (e !== 'u') {
      out += SIMPLE[e];
      continue;
    }
    const unit = parseInt(s.slice(k + 1, k + 5), 16);
    k += 4;
    if (unit >= 0xd800 && unit < 0xdc00 && s[k + 1] === '\\' && s[k + 2] === 'u') {
      const low = parseInt(s.slice(k + 3, k + 7), 16);
      if (low >= 0xdc00 && low < 0xe000) {
        out += String.fromCharCode(unit, low);
        k += 6;
        continue;
      }
    }
    out += unit >= 0xd800 && unit < 0xe000 ? '\ufffd' : String.fromCharCode(unit);
  }
  return out;
}

/** Parses JSON bytes or text the way Go's json.Unmarshal does (syntax and error texts). */
export function goJsonParse(input: Uint8Array | string): unknown {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  try {
    return new Parser(bytes).top();
  } catch (err) {
    // Go stops at 10000 levels; a recursive parser may run out of stack a little earlier.
    if (err instanceof RangeError) throw new GoJsonSyntaxError('exceeded max depth', 0);
    throw err;
  }
}
