// Turning a zod failure into a CNI error whose message names the field, and the one-call
// "parse this config with this schema" every plugin uses.
import type * as z from 'zod';
import { CniError, ErrCode } from '../errors';
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

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** One issue as text: custom issues keep their (Go-worded) message, others say what was expected. */
function issueText(issue: Issue, input: unknown): string {
  const path = formatPath(issue.path);
  let msg: string;
  switch (issue.code) {
    case 'invalid_type': {
      const got = valueAt(input, issue.path);
      msg = got === undefined ? `missing required field` : `expected ${issue.expected}, got ${kindOf(got)}`;
      break;
    }
    case 'invalid_union': {
      const first = issue.errors.flat()[0];
      msg = first ? issueText({ ...first, path: [] } as Issue, valueAt(input, issue.path)) : issue.message;
      break;
    }
    case 'unrecognized_keys':
      msg = `unknown keys ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
      break;
    default:
      msg = issue.message;
  }
  return path ? `${path}: ${msg}` : msg;
}

/** The first issue of a zod error as one line (what Go would have stopped at). */
export function formatZodError(error: z.ZodError, input?: unknown): string {
  const [first] = error.issues;
  return first ? issueText(first, input) : error.message;
}

export interface SchemaErrorOptions {
  /** CNI error code; default 7 (invalid network config). */
  code?: number;
  /** Context put before the field text, e.g. "failed to load netconf". */
  prefix?: string;
}

/** A CniError for a zod failure: `<prefix>: <field path>: <problem>`, code 7 unless told. */
export function schemaError(error: z.ZodError, input?: unknown, opts: SchemaErrorOptions = {}): CniError {
  const text = formatZodError(error, input);
  return new CniError(opts.code ?? ErrCode.invalidNetworkConfig, opts.prefix ? `${opts.prefix}: ${text}` : text, '', {
    cause: error,
  });
}

/**
 * Parses a JSON value with a schema under Go's decoding rules (case-insensitive keys, last
 * duplicate wins, null = absent) and throws a CniError naming the field on failure.
 */
export function parseWithSchema<S extends z.ZodType>(schema: S, value: unknown, opts: SchemaErrorOptions = {}): z.output<S> {
  const input = goNormalize(schema, value);
  const r = schema.safeParse(input);
  if (!r.success) throw schemaError(r.error, input, opts);
  return r.data;
}

/** Like parseWithSchema but throws a plain Error (for texts that Go returns untyped). */
export function decodeWithSchema<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const input = goNormalize(schema, value);
  const r = schema.safeParse(input);
  if (!r.success) throw new Error(formatZodError(r.error, input), { cause: r.error });
  return r.data;
}
