// encoding/json's Marshal / MarshalIndent output: key order is the caller's (build objects in
// Go's field order, or sort them where Go marshals a map), HTML-safe string escaping, and
// MarshalIndent's layout ("key": value, empty {} and [] kept compact).

const HEX = '0123456789abcdef';

function escapeChar(code: number): string {
  return `\\u${HEX[(code >> 12) & 15]}${HEX[(code >> 8) & 15]}${HEX[(code >> 4) & 15]}${HEX[code & 15]}`;
}

/** A JSON string literal escaped as Go's encoder does with escapeHTML on (its default). */
export function goString(s: string): string {
  let out = '"';
  for (let k = 0; k < s.length; k++) {
    const code = s.charCodeAt(k);
    switch (code) {
      case 0x22:
        out += '\\"';
        continue;
      case 0x5c:
        out += '\\\\';
        continue;
      case 0x0a:
        out += '\\n';
        continue;
      case 0x0d:
        out += '\\r';
        continue;
      case 0x09:
        out += '\\t';
        continue;
      case 0x08:
        out += '\\b';
        continue;
      case 0x0c:
        out += '\\f';
        continue;
      case 0x3c:
      case 0x3e:
      case 0x26:
      case 0x2028:
      case 0x2029:
        out += escapeChar(code);
        continue;
    }
    if (code < 0x20) {
      out += escapeChar(code);
    } else if (code >= 0xd800 && code < 0xdc00 && k + 1 < s.length) {
      const low = s.charCodeAt(k + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        out += s[k]! + s[k + 1]!;
        k++;
      } else {
        out += '\\ufffd';
      }
    } else if (code >= 0xd800 && code < 0xe000) {
      // A lone surrogate is invalid UTF-8 to Go, which writes the replacement character.
      out += '\\ufffd';
    } else {
      out += s[k];
    }
  }
  return `${out}"`;
}

function goNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`json: unsupported value: ${n}`);
  return String(n);
}

function encode(v: unknown, indent: string, prefix: string): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return goString(v);
    case 'number':
      return goNumber(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v instanceof Uint8Array) return goString(Buffer.from(v).toString('base64'));
  const inner = prefix + indent;
  const nl = indent ? `\n${inner}` : '';
  const close = indent ? `\n${prefix}` : '';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${nl}${v.map((e) => encode(e, indent, inner)).join(`,${nl}`)}${close}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, e]) => e !== undefined);
  if (entries.length === 0) return '{}';
  const sep = indent ? ': ' : ':';
  return `{${nl}${entries.map(([k, e]) => `${goString(k)}${sep}${encode(e, indent, inner)}`).join(`,${nl}`)}${close}}`;
}

/** json.Marshal: compact. Object keys keep their insertion order; undefined values are skipped. */
export function goMarshal(v: unknown): string {
  return encode(v, '', '');
}

/** json.MarshalIndent(v, "", indent); Go's CNI output uses four spaces and no trailing newline. */
export function goMarshalIndent(v: unknown, indent = '    '): string {
  return encode(v, indent, '');
}

/** Returns a copy with object keys sorted at every level, as Go marshals a map[string]any. */
export function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).toSorted(byteOrder)) {
      const e = (v as Record<string, unknown>)[k];
      if (e !== undefined) out[k] = sortKeysDeep(e);
    }
    return out;
  }
  return v;
}

/** Go sorts map keys by byte order of their UTF-8 encoding. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
