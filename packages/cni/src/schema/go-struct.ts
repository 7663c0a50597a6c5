// Decoding a config the way Go's encoding/json fills a plugin's struct (case-insensitive keys,
// null = absent, via goNormalize), with Go's wording for type errors, so messages match the
// reference plugin's: `json: cannot unmarshal string into Go struct field TuningConf.mtu of type
// int`. For plugins that describe their Go struct as a path table instead of goField annotations.
import type * as z from 'zod';
import { CniError, ErrCode } from '../errors';
import { goJsonKind } from '../gojson/fields';
import { formatPath, formatZodError } from './errors';
import { goNormalize } from './normalize';

/**
 * The Go struct holding a field and the field's Go type, keyed by dotted path (no indices); a
 * third element replaces the field path Go prints (types with their own UnmarshalJSON restart it).
 */
export type GoStructTypes = Record<string, readonly [struct: string, type: string, field?: string]>;

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/**
 * Parses `value` with `schema`; a failure becomes a code-999 CniError `<prefix>: <Go text>` (the
 * reference plugins' code for config errors) whose details name the field path.
 */
export function decodeGoStruct<S extends z.ZodType>(schema: S, value: unknown, types: GoStructTypes, prefix: string): z.output<S> {
  const input = goNormalize(schema, value);
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const goPath = issue.path.filter((p) => typeof p === 'string').join('.');
  const got = valueAt(input, issue.path);
  // Map values report the map's own path in Go (no key).
  const key = types[goPath] ? goPath : goPath.split('.').slice(0, -1).join('.');
  const t = types[key];
  let text: string;
  if (issue.code === 'invalid_type' && t && got !== undefined) {
    const kind = typeof got === 'number' ? `number${Number.isInteger(got) ? '' : ` ${got}`}` : goJsonKind(got);
    text = `json: cannot unmarshal ${kind} into Go struct field ${t[0]}.${t[2] ?? key} of type ${t[1]}`;
  } else {
    text = formatZodError(r.error, input);
  }
  throw new CniError(ErrCode.internal, `${prefix}: ${text}`, formatPath(issue.path));
}
