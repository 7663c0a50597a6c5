import { z } from 'zod';

/**
 * Go `encoding/json` semantics over a zod schema, so configs decode as the Go plugin decodes them:
 * object keys match field names case-insensitively (an exact match first), unknown keys are
 * dropped, `null` leaves a field unset, and a value of the wrong JSON type fails with Go's text
 * (`json: cannot unmarshal string into Go struct field Range.ipam.ranges.subnet of type string`).
 */
export interface GoField {
  /** Go struct that holds the field, as Go names it in errors (`Range`, `IPAMConfig`, `` for anonymous). */
  struct: string;
  /** Go type of the field (`net.IP`, `[]allocator.RangeSet`). */
  type: string;
  /** What `null` decodes to (default: the field stays unset). */
  nullAs?: unknown;
}

export const goFields = z.registry<GoField>();

/** Marks `schema` with its Go struct/type for error messages. */
export function go<S extends z.ZodType>(schema: S, field: GoField): S {
  goFields.add(schema, field);
  return schema;
}

type AnySchema = z.core.$ZodType;

function unwrap(s: AnySchema): AnySchema {
  let cur = s;
  for (;;) {
    const def = cur._zod.def as { type: string; innerType?: AnySchema; in?: AnySchema };
    if ((def.type === 'optional' || def.type === 'nullable' || def.type === 'default') && def.innerType) {
      cur = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      cur = def.in;
    } else {
      return cur;
    }
  }
}

function meta(s: AnySchema): GoField | undefined {
  let cur: AnySchema | undefined = s;
  while (cur) {
    const m = goFields.get(cur as z.ZodType);
    if (m) return m;
    const def = cur._zod.def as { type: string; innerType?: AnySchema; in?: AnySchema };
    cur = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  }
  return undefined;
}

function shapeOf(s: AnySchema): Record<string, AnySchema> | undefined {
  const def = unwrap(s)._zod.def as { type: string; shape?: Record<string, AnySchema> };
  return def.type === 'object' ? def.shape : undefined;
}

function elementOf(s: AnySchema): AnySchema | undefined {
  const def = unwrap(s)._zod.def as { type: string; element?: AnySchema };
  return def.type === 'array' ? def.element : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Folds keys, drops unknown ones and applies Go's handling of `null`. */
export function normalize(schema: AnySchema, value: unknown): unknown {
  if (value === null) return meta(schema)?.nullAs;
  const shape = shapeOf(schema);
  if (shape && isPlainObject(value)) {
    const keys = Object.keys(shape);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const key = k in shape ? k : keys.find((f) => f.toLowerCase() === k.toLowerCase());
      if (key === undefined) continue;
      const nv = normalize(shape[key] as AnySchema, v);
      // Go leaves a field untouched on null, even one an earlier duplicate key set
      if (nv !== undefined) out[key] = nv;
    }
    return out;
  }
  const elem = elementOf(schema);
  if (elem && Array.isArray(value)) {
    return value.map((v) => (v === null ? zeroOf(elem) : normalize(elem, v)));
  }
  return value;
}

/** Go's zero value of an array element that was `null`. */
function zeroOf(s: AnySchema): unknown {
  if (shapeOf(s)) return {};
  if (elementOf(s)) return [];
  return meta(s)?.nullAs;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

function schemaAt(schema: AnySchema, path: readonly PropertyKey[]): AnySchema | undefined {
  let cur: AnySchema | undefined = schema;
  for (const p of path) {
    if (!cur) return undefined;
    cur = typeof p === 'number' ? elementOf(cur) : shapeOf(cur)?.[String(p)];
  }
  return cur;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let cur = value;
  for (const p of path) cur = (cur as Record<PropertyKey, unknown> | undefined)?.[p];
  return cur;
}

/** `ipam.ranges[0][1].subnet` */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** A decoding failure: `message` is Go's text, `field` the path of the offending value. */
export class GoDecodeError extends Error {
  override name = 'GoDecodeError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** Decodes `input` through `schema` with Go semantics; throws GoDecodeError on the first issue. */
export function goDecode<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const normalized = normalize(schema, input);
  const r = schema.safeParse(normalized);
  if (r.success) return r.data;
  const issue = r.error.issues[0] as z.core.$ZodIssue;
  const field = fieldPath(issue.path);
  if (issue.code === 'invalid_type') {
    const at = schemaAt(schema, issue.path);
    const m = at && meta(at);
    const got = jsonKind(valueAt(normalized, issue.path));
    const goPath = issue.path.filter((p) => typeof p !== 'number').join('.');
    const msg = m
      ? `json: cannot unmarshal ${got} into Go struct field ${m.struct}.${goPath} of type ${m.type}`
      : `json: cannot unmarshal ${got} into Go value at ${field}`;
    throw new GoDecodeError(msg, field);
  }
  throw new GoDecodeError(issue.message, field);
}
