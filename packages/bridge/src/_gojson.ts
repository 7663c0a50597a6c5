// Go encoding/json decoding over a zod schema, so a config decodes exactly as the Go plugin's
// json.Unmarshal into its NetConf: keys match fields exactly or else case-insensitively, the
// last matching key wins, `null` leaves a field as it was, unknown keys are ignored, and a value
// of the wrong JSON type fails with Go's text. Go keeps decoding past a type error and reports
// the first one in document order, so this walks the document, not the schema.
import type * as z from 'zod';

/** The Go type of a value (and, for structs, the struct's name as errors print it). */
export interface GoType {
  /** `int`, `string`, `[]string`, `types.IPAM`, `main.VlanTrunk`, ... */
  type: string;
  /** For struct types: the name errors use as "Go struct field <struct>.<path>" ('' if anonymous). */
  struct?: string;
}

type Def = { type: string; innerType?: Schema; in?: Schema; shape?: Record<string, Schema>; element?: Schema; valueType?: Schema; check?: string };
type Schema = { _zod: { def: Def; bag?: Record<string, unknown> } };

// Keyed by the schema's def: zod's describe()/meta() return copies that share it.
const goTypes = new WeakMap<object, GoType>();

/** Attaches a Go type to a schema (used in error texts). */
export function go<S extends z.ZodType>(schema: S, type: string, struct?: string): S {
  goTypes.set((schema as unknown as Schema)._zod.def, struct === undefined ? { type } : { type, struct });
  return schema;
}

function metaOf(s: Schema): GoType | undefined {
  let cur: Schema | undefined = s;
  while (cur) {
    const m = goTypes.get(cur._zod.def);
    if (m) return m;
    const def: Def = cur._zod.def;
    cur = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  }
  return undefined;
}

/** The schema under optional/default/pipe wrappers: the one that shapes the JSON value. */
function coreSchema(s: Schema): Schema {
  let cur = s;
  for (;;) {
    const def = cur._zod.def;
    if (def.innerType && ['optional', 'nullable', 'default', 'prefault', 'readonly'].includes(def.type)) cur = def.innerType;
    else if (def.type === 'pipe' && def.in) cur = def.in;
    else return cur;
  }
}

const core = (s: Schema): Def => coreSchema(s)._zod.def;

function kind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** A decoding failure with Go's text; `field` is the path of the offending value. */
export class GoDecodeError extends Error {
  override name = 'GoDecodeError';
  readonly field: string;
  constructor(message: string, field: string) {
    super(message);
    this.field = field;
  }
}

function isInt(s: Schema): boolean {
  const checks = (s._zod.def as { checks?: { _zod: { def: { check?: string; format?: string } } }[] }).checks ?? [];
  return checks.some((c) => c._zod.def.check === 'number_format' && /int/.test(c._zod.def.format ?? ''));
}

interface Walk {
  /** JSON key path without indexes, as Go prints it. */
  goPath: string[];
  /** Full path with indexes, for `details`. */
  path: (string | number)[];
  /** Innermost enclosing struct name. */
  struct: string;
  first?: GoDecodeError;
}

function fail(w: Walk, s: Schema, what: string): void {
  if (w.first) return;
  const type = metaOf(s)?.type ?? '?';
  const field = w.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('');
  const where = w.goPath.length ? `Go struct field ${w.struct}.${w.goPath.join('.')}` : 'Go value';
  w.first = new GoDecodeError(`json: cannot unmarshal ${what} into ${where} of type ${type}`, field);
}

function decode(s: Schema, v: unknown, w: Walk): unknown {
  const def = core(s);
  switch (def.type) {
    case 'string':
      if (typeof v !== 'string') return fail(w, s, kind(v));
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') return fail(w, s, kind(v));
      return v;
    case 'number': {
      if (typeof v !== 'number') return fail(w, s, kind(v));
      // int fields take integral literals in int64 range only (JSON.parse loses "1e3" vs "1000").
      if (isInt(coreSchema(s)) && (!Number.isInteger(v) || Math.abs(v) >= 2 ** 63)) return fail(w, s, `number ${v}`);
      return v;
    }
    case 'array': {
      if (!Array.isArray(v)) return fail(w, s, kind(v));
      return v.map((e, i) => {
        if (e === null) return zero(def.element!);
        w.path.push(i);
        const out = decode(def.element!, e, w);
        w.path.pop();
        return out;
      });
    }
    case 'record': {
      if (kind(v) !== 'object') return fail(w, s, kind(v));
      const out: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(v as object)) {
        w.path.push(k);
        out[k] = e === null ? zero(def.valueType!) : decode(def.valueType!, e, w);
        w.path.pop();
      }
      return out;
    }
    case 'object':
      if (kind(v) !== 'object') return fail(w, s, kind(v));
      return decodeStruct(s, def, v as Record<string, unknown>, w);
    default:
      return v;
  }
}

function decodeStruct(s: Schema, def: Def, v: Record<string, unknown>, w: Walk): Record<string, unknown> {
  const shape = def.shape!;
  const names = Object.keys(shape);
  const out: Record<string, unknown> = {};
  const struct = w.struct;
  const own = metaOf(s)?.struct;
  for (const [k, e] of Object.entries(v)) {
    const field = k in shape ? k : names.find((n) => n.toLowerCase() === k.toLowerCase());
    if (field === undefined || e === null) continue;
    w.path.push(field);
    w.goPath.push(field);
    w.struct = own ?? struct;
    const d = decode(shape[field]!, e, w);
    w.struct = struct;
    w.goPath.pop();
    w.path.pop();
    // A repeated key decodes into the same value (Go merges into structs; we keep the last).
    if (d !== undefined) {
      delete out[field];
      out[field] = d;
    }
  }
  return out;
}

function zero(s: Schema): unknown {
  const def = core(s);
  if (def.type === 'object') return {};
  if (def.type === 'string') return '';
  if (def.type === 'number') return 0;
  if (def.type === 'boolean') return false;
  return undefined;
}

/**
 * Decodes a parsed JSON document into `schema`'s output with Go's rules; throws GoDecodeError
 * with Go's text for the first type mismatch, and for other schema failures their message.
 */
export function goDecode<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const w: Walk = { goPath: [], path: [], struct: '' };
  const root = schema as unknown as Schema;
  const normalized = input === null ? {} : decode(root, input, w);
  if (w.first) throw w.first;
  const r = schema.safeParse(normalized);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${String(p)}` : String(p))).join('');
  throw new GoDecodeError(issue.message, field);
}
