// Go's encoding/json matching rules applied to a parsed JSON value before zod sees it, guided
// by the schema: an object key matches a schema field exactly or, failing that, case-
// insensitively ("IPAM", "HostPort"); when several keys match one field the last one wins
// (Go assigns them in document order); a null for a known field is dropped (Go leaves the
// field untouched) unless the field is annotated with what null decodes to (goField's nullAs:
// types with their own UnmarshalJSON), which also applies to null array elements (Go's zero
// value of the element). Unknown keys are kept for loose schemas and stripped by zod otherwise.
// Deliberate difference: Go merges two objects given for the same struct field; here the last
// object replaces the earlier one (see docs/compat.md).
import type * as z from 'zod';
import { goNullAs } from './go-types';
import { core, type Def } from './zod-def';

export { core, defOf, type Def } from './zod-def';

/** The object shapes a schema accepts (several for unions and intersections). */
function shapesOf(def: Def | undefined): Record<string, unknown>[] {
  if (!def) return [];
  switch (def.type) {
    case 'object':
      return [def.shape as Record<string, unknown>];
    case 'union':
      return (def.options as unknown[]).flatMap((o) => shapesOf(core(o)));
    case 'intersection':
      return [...shapesOf(core(def.left)), ...shapesOf(core(def.right))];
  }
  return [];
}

function fieldFor(key: string, fields: string[]): string | undefined {
  if (fields.includes(key)) return key;
  const lower = key.toLowerCase();
  return fields.find((f) => f.toLowerCase() === lower);
}

function normalizeObject(def: Def, value: Record<string, unknown>): Record<string, unknown> {
  const shapes = shapesOf(def);
  if (shapes.length === 0) {
    if (def.type === 'record') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = normalizeWith(def.valueType, v);
      return out;
    }
    return value;
  }
  const fields = new Map<string, unknown>();
  for (const shape of shapes) for (const [k, s] of Object.entries(shape)) if (!fields.has(k)) fields.set(k, s);
  const names = [...fields.keys()];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const field = fieldFor(k, names);
    if (field === undefined) {
      out[k] = v;
      continue;
    }
    if (v === null) {
      const zero = nullValue(fields.get(field));
      if (zero === undefined) continue;
      delete out[field];
      out[field] = zero;
      continue;
    }
    // Re-inserting moves the key to the end so the last document key keeps winning.
    delete out[field];
    out[field] = normalizeWith(fields.get(field), v);
  }
  return out;
}

/** What a JSON null decodes to for `schema` (a fresh copy), or undefined when it stays unset. */
function nullValue(schema: unknown): unknown {
  const zero = goNullAs(schema);
  return zero === undefined ? undefined : normalizeWith(schema, zero);
}

function normalizeWith(schema: unknown, value: unknown): unknown {
  const def = core(schema);
  if (!def || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (def.type === 'array') return value.map((e) => (e === null ? (nullValue(def.element) ?? null) : normalizeWith(def.element, e)));
    if (def.type === 'tuple') return value.map((e, i) => normalizeWith((def.items as unknown[])[i] ?? def.rest, e));
    return value;
  }
  return normalizeObject(def, value as Record<string, unknown>);
}

/** Applies Go's key matching for `schema` to a parsed JSON value (returns a new value). */
export function goNormalize(schema: z.ZodType, value: unknown): unknown {
  return normalizeWith(schema, value);
}
