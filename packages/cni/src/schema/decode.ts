// THE config decoder: a parsed JSON document into a zod schema's output, as Go's encoding/json
// fills a struct, with Go's texts and Go's order of errors.
//  - An object key matches a field exactly or, failing that, case-insensitively ("IPAM",
//    "HostPort"); when several keys match one field the last one in the document wins.
//  - Unknown keys are ignored (kept by loose objects such as `ipam`, which belong to someone else).
//  - A null leaves a field alone; a null array element or map value is Go's zero value of it
//    (see GoType.nullAs for types that read null otherwise).
//  - A value of the wrong JSON type fails with Go's text when the field's Go type is known (go.ts):
//    `json: cannot unmarshal string into Go struct field NetConf.mtu of type int`, `number 1.5`
//    for a non-integral number into an int. Like Go, decoding goes on past such an error and
//    reports the first one in document order, unless a custom decoding (a transform: Go's
//    UnmarshalJSON or UnmarshalText, e.g. "invalid IP address: x") fails, which stops at once.
//  - Then zod checks the rest (required fields, refinements) and applies defaults.
// Deliberate difference: Go merges two objects given for the same struct field; here the last
// object replaces the earlier one (docs/compat.md).
import type * as z from 'zod';
import { CniError, ErrCode } from '../errors';
import { acceptsNull, coreOf, defOf, goTypeName, goTypeOf, hasTransform, intRange, type Def } from './go';

/** `ipam.ranges[0][1].subnet` from a path of keys and indexes. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/** The JSON kind Go names in "cannot unmarshal <kind> into ..." errors. */
function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : 'object';
}

/** What zod would call the expected type (for schemas without a Go type). */
function zodKind(def: Def | undefined): string {
  switch (def?.type) {
    case 'record':
      return 'object';
    case 'enum':
    case 'literal':
      return 'string';
    default:
      return def?.type ?? 'value';
  }
}

/** A problem found while decoding: the text with and without Go's wording, and where. */
export interface DecodeIssue {
  /** The JSON path of the offending value, with indexes (`ipam.ranges[0][1].subnet`). */
  path: (string | number)[];
  /** Go's text where the Go type is known, else the generic one. */
  go?: string;
  /** `expected number, got string`, `missing required field`, or a custom message. */
  text: string;
  /** A custom decoding failed (Go's UnmarshalJSON): it stops the decoding. */
  abort?: boolean;
}

interface Walk {
  /** JSON path with indexes. */
  path: (string | number)[];
  /** Struct field names from the root, as Go prints them (no indexes, no map keys). */
  goPath: string[];
  /** The innermost enclosing struct's name (undefined: none annotated, generic texts). */
  struct: string | undefined;
  /** Collect every issue (schemaIssues) instead of stopping at the first. */
  all: boolean;
  issues: DecodeIssue[];
  aborted: boolean;
}

const SKIP = Symbol('skip');

function typeError(w: Walk, schema: unknown, what: string, value: unknown): typeof SKIP {
  const t = goTypeName(schema);
  const issue: DecodeIssue = { path: [...w.path], text: `expected ${zodKind(defOf(coreOf(schema)))}, got ${jsonKind(value)}` };
  if (t !== undefined && (w.goPath.length === 0 || w.struct !== undefined)) {
    issue.go = w.goPath.length
      ? `json: cannot unmarshal ${what} into Go struct field ${w.struct}.${w.goPath.join('.')} of type ${t}`
      : `json: cannot unmarshal ${what} into Go value of type ${t}`;
  }
  if (w.all || !w.issues.some((i) => !i.abort)) w.issues.push(issue);
  return SKIP;
}

/** A leaf with a custom decoding: zod runs it now, as Go runs UnmarshalJSON in document order. */
function customCheck(w: Walk, schema: z.ZodType, value: unknown): void {
  const r = schema.safeParse(value);
  if (r.success) return;
  const first = r.error.issues[0];
  w.issues.push({ path: [...w.path, ...((first?.path ?? []) as (string | number)[])], text: first?.message ?? r.error.message, abort: true });
  if (!w.all) w.aborted = true;
}

/** The object fields a schema accepts (merged over unions and intersections). */
function fieldsOf(def: Def | undefined): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const add = (d: Def | undefined) => {
    if (!d) return;
    if (d.type === 'object') {
      for (const [k, s] of Object.entries(d.shape as Record<string, unknown>)) if (!out.has(k)) out.set(k, s);
    } else if (d.type === 'union') {
      for (const o of d.options as unknown[]) add(defOf(coreOf(o)));
    } else if (d.type === 'intersection') {
      add(defOf(coreOf(d.left)));
      add(defOf(coreOf(d.right)));
    }
  };
  add(def);
  return out;
}

function isLoose(def: Def): boolean {
  if (def.type === 'object') return defOf(def.catchall)?.type === 'unknown';
  return def.type === 'union' || def.type === 'intersection';
}

/** What a JSON null decodes to in an array or map: nullAs, null where accepted, else Go's zero. */
function nullElement(schema: unknown, w: Walk): unknown {
  const t = goTypeOf(schema);
  if (t?.nullAs !== undefined) return walk(schema, structuredClone(t.nullAs), w);
  if (acceptsNull(schema)) return null;
  switch (defOf(coreOf(schema))?.type) {
    case 'string':
      return '';
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'object':
    case 'record':
      return {};
    case 'array':
      return [];
  }
  return null;
}

function walkObject(schema: unknown, def: Def, value: Record<string, unknown>, w: Walk): Record<string, unknown> {
  const fields = fieldsOf(def);
  const folded = new Map<string, string>();
  for (const name of fields.keys()) if (!folded.has(name.toLowerCase())) folded.set(name.toLowerCase(), name);
  const loose = isLoose(def);
  const outer = w.struct;
  const struct = goTypeOf(schema)?.struct ?? outer;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = fields.has(key) ? key : folded.get(key.toLowerCase());
    if (field === undefined) {
      if (loose) out[key] = v;
      continue;
    }
    const fs = fields.get(field);
    w.path.push(field);
    w.goPath.push(field);
    w.struct = struct;
    let d: unknown = SKIP;
    if (v !== null) d = walk(fs, v, w);
    else if (goTypeOf(fs)?.nullAs !== undefined) d = nullElement(fs, w);
    w.struct = outer;
    w.goPath.pop();
    w.path.pop();
    if (w.aborted) return out;
    // Re-inserting moves the key to the end, so the last matching key in the document wins.
    if (d !== SKIP) {
      delete out[field];
      out[field] = d;
    }
  }
  return out;
}

function walk(schema: unknown, value: unknown, w: Walk): unknown {
  const core = coreOf(schema);
  const def = defOf(core);
  if (!def) return value;
  let out: unknown = value;
  switch (def.type) {
    case 'string':
    case 'enum':
      if (typeof value !== 'string') return typeError(w, schema, jsonKind(value), value);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return typeError(w, schema, jsonKind(value), value);
      break;
    case 'number': {
      if (typeof value !== 'number') return typeError(w, schema, jsonKind(value), value);
      const range = intRange(schema);
      if (range && (!Number.isInteger(value) || value < range[0] || value >= range[1])) return typeError(w, schema, `number ${value}`, value);
      break;
    }
    case 'array': {
      if (!Array.isArray(value)) return typeError(w, schema, jsonKind(value), value);
      const list: unknown[] = [];
      for (const [i, e] of value.entries()) {
        w.path.push(i);
        const d = e === null ? nullElement(def.element, w) : walk(def.element, e, w);
        w.path.pop();
        if (w.aborted) return list;
        list.push(d === SKIP ? e : d);
      }
      return list;
    }
    case 'record': {
      if (jsonKind(value) !== 'object') return typeError(w, schema, jsonKind(value), value);
      const map: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(value as Record<string, unknown>)) {
        w.path.push(k);
        const d = e === null ? nullElement(def.valueType, w) : walk(def.valueType, e, w);
        w.path.pop();
        if (w.aborted) return map;
        map[k] = d === SKIP ? e : d;
      }
      return map;
    }
    case 'object':
      if (jsonKind(value) !== 'object') return typeError(w, schema, jsonKind(value), value);
      return walkObject(schema, def, value as Record<string, unknown>, w);
    case 'union':
    case 'intersection':
      if (jsonKind(value) === 'object' && fieldsOf(def).size > 0) return walkObject(schema, def, value as Record<string, unknown>, w);
      return value;
    default:
      return value;
  }
  if (hasTransform(schema)) customCheck(w, schema as z.ZodType, value);
  return out;
}

/** Text of zod's first issue after the walk (required fields, refinements, custom messages). */
function zodIssue(issue: z.core.$ZodIssue, input: unknown): DecodeIssue {
  const path = issue.path as (string | number)[];
  let got: unknown = input;
  for (const p of path) got = got && typeof got === 'object' ? (got as Record<PropertyKey, unknown>)[p] : undefined;
  let text: string;
  switch (issue.code) {
    case 'invalid_type':
      text = got === undefined ? 'missing required field' : `expected ${issue.expected}, got ${jsonKind(got)}`;
      break;
    case 'invalid_union': {
      const first = issue.errors.flat()[0];
      text = first ? zodIssue({ ...first, path: [] } as z.core.$ZodIssue, got).text : issue.message;
      break;
    }
    case 'unrecognized_keys':
      text = `unknown keys ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
      break;
    default:
      text = issue.message;
  }
  return { path, text };
}

function run<S extends z.ZodType>(schema: S, value: unknown, all: boolean): { data?: z.output<S>; issues: DecodeIssue[] } {
  const w: Walk = { path: [], goPath: [], struct: undefined, all, issues: [], aborted: false };
  const normalized = value === null ? {} : walk(schema, value, w);
  if (w.issues.length && !all) {
    // A failed custom decoding stops Go at once; otherwise the first type error is reported.
    return { issues: [w.issues.find((i) => i.abort) ?? w.issues[0]!] };
  }
  if (w.issues.length) return { issues: w.issues };
  const r = schema.safeParse(normalized === SKIP ? value : normalized);
  if (r.success) return { data: r.data, issues: [] };
  return { issues: (all ? r.error.issues : r.error.issues.slice(0, 1)).map((i) => zodIssue(i, normalized)) };
}

export interface DecodeOptions {
  /** Context put before the text: `failed to load netconf: <text>`. */
  prefix?: string;
  /** CNI error code; default 999, as Go plugins return config errors untyped. */
  code?: number;
  /** The field path goes to `details` (default true). */
  details?: boolean;
  /** Texts that are not Go's own start with the field path: `ipam.subnet: invalid CIDR address: x` (default false). */
  pathInMessage?: boolean;
}

/** A config Go's json.Unmarshal would refuse: a CniError whose `field` is the offending path. */
export class DecodeError extends CniError {
  /** The JSON path of the offending value (also `details`, unless switched off). */
  readonly field: string;
  /** The text without prefix. */
  readonly text: string;
  constructor(code: number, msg: string, details: string, field: string, text: string) {
    super(code, msg, details);
    this.name = 'DecodeError';
    this.field = field;
    this.text = text;
  }
}

/** The message of an issue as `decode` words it. */
export function issueText(issue: DecodeIssue, opts: { pathInMessage?: boolean } = {}): string {
  if (issue.go) return issue.go;
  const path = formatPath(issue.path);
  return opts.pathInMessage && path ? `${path}: ${issue.text}` : issue.text;
}

/**
 * Decodes a parsed JSON value with `schema` under Go's rules (see the top of this file); throws a
 * DecodeError (a CniError: code 999 unless told, details = the field path) on the first problem.
 */
export function decode<S extends z.ZodType>(schema: S, value: unknown, opts: DecodeOptions = {}): z.output<S> {
  const r = run(schema, value, false);
  if (r.issues.length === 0) return r.data as z.output<S>;
  const issue = r.issues[0]!;
  const text = issueText(issue, opts);
  const field = formatPath(issue.path);
  return throwError(new DecodeError(opts.code ?? ErrCode.internal, opts.prefix ? `${opts.prefix}: ${text}` : text, opts.details === false ? '' : field, field, text));
}

function throwError(err: Error): never {
  throw err;
}

/** Every problem of `value` against `schema` (for `cni-ts validate`): generic texts, all of them. */
export function schemaIssues(schema: z.ZodType, value: unknown): { path: string; text: string }[] {
  return run(schema, value, true).issues.map((i) => ({ path: formatPath(i.path), text: i.text }));
}
