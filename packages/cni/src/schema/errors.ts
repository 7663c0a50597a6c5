// Turning a zod failure into a CNI error whose message names the field, and the one-call
// "parse this config with this schema" every plugin uses.
import type * as z from 'zod';
import { CniError, ErrCode } from '../errors';
import { goJsonKind } from '../gojson/fields';
import { goTypeErrorText } from './go-types';
import { goNormalize } from './normalize';

type Issue = z.core.$ZodIssue;

/** `ipam.ranges[0][1].subnet` from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** One issue as text. Go-annotated fields give Go's text; custom issues keep their message. */
function issueText(issue: Issue, input: unknown, schema?: z.ZodType, withPath = true): string {
  const path = formatPath(issue.path);
  const got = valueAt(input, issue.path);
  if (issue.code === 'invalid_type' && got !== undefined && schema) {
    const go = goTypeErrorText(schema, issue.path, goJsonKind(got));
    if (go) return go;
  }
  let msg: string;
  switch (issue.code) {
    case 'invalid_type':
      msg = got === undefined ? 'missing required field' : `expected ${issue.expected}, got ${goJsonKind(got)}`;
      break;
    case 'invalid_union': {
      const first = issue.errors.flat()[0];
      msg = first ? issueText({ ...first, path: [] } as Issue, got) : issue.message;
      break;
    }
    case 'unrecognized_keys':
      msg = `unknown keys ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
      break;
    default:
      msg = issue.message;
  }
  return path && withPath ? `${path}: ${msg}` : msg;
}

/**
 * The first issue of a zod error as one line (what Go would have stopped at):
 * `ipam.ranges[0].subnet: invalid CIDR address: x`, `mtu: expected number, got string`, or
 * Go's own `json: cannot unmarshal ...` text where the schema is annotated with goField().
 */
export function formatZodError(error: z.ZodError, input?: unknown, schema?: z.ZodType, opts: { pathInMessage?: boolean } = {}): string {
  const [first] = error.issues;
  return first ? issueText(first, input, schema, opts.pathInMessage ?? true) : error.message;
}

/** A decoding failure: message as formatZodError, `field` the path of the offending value. */
export class SchemaDecodeError extends Error {
  readonly field: string;
  constructor(message: string, field: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SchemaDecodeError';
    this.field = field;
  }
}

export interface SchemaErrorOptions {
  /** CNI error code; default 7 (invalid network config). Use 999 to keep a Go plugin's untyped code. */
  code?: number;
  /** Context put before the text, e.g. "failed to load netconf". */
  prefix?: string;
  /** Put the field path into `details` (as host-local and static do). */
  detailsPath?: boolean;
  /** Start the text with the field path (default true); false keeps Go's bare text. */
  pathInMessage?: boolean;
}

/** A CniError for a zod failure: `<prefix>: <text>`, code 7 unless told. */
export function schemaError(error: z.ZodError, input?: unknown, opts: SchemaErrorOptions = {}, schema?: z.ZodType): CniError {
  const text = formatZodError(error, input, schema, opts);
  const details = opts.detailsPath ? formatPath(error.issues[0]?.path ?? []) : '';
  return new CniError(opts.code ?? ErrCode.invalidNetworkConfig, opts.prefix ? `${opts.prefix}: ${text}` : text, details, { cause: error });
}

/**
 * Parses a JSON value with a schema under Go's decoding rules (case-insensitive keys, last
 * duplicate wins, null = absent) and throws a CniError naming the field on failure.
 */
export function parseWithSchema<S extends z.ZodType>(schema: S, value: unknown, opts: SchemaErrorOptions = {}): z.output<S> {
  const input = goNormalize(schema, value);
  const r = schema.safeParse(input);
  if (!r.success) throw schemaError(r.error, input, opts, schema);
  return r.data;
}

/**
 * Like parseWithSchema but throws a plain SchemaDecodeError (for texts Go returns untyped);
 * `pathInMessage: false` leaves the path to the error's `field` only.
 */
export function decodeWithSchema<S extends z.ZodType>(schema: S, value: unknown, opts: { pathInMessage?: boolean } = {}): z.output<S> {
  const input = goNormalize(schema, value);
  const r = schema.safeParse(input);
  if (!r.success) {
    const text = formatZodError(r.error, input, schema, opts);
    throw new SchemaDecodeError(text, formatPath(r.error.issues[0]?.path ?? []), { cause: r.error });
  }
  return r.data;
}
