// Go's encoding/json matching rules applied to a parsed JSON value before zod sees it, guided
// by the schema: an object key matches a schema field exactly or, failing that, case-
// insensitively ("IPAM", "HostPort"); when several keys match one field the last one wins
// (Go assigns them in document order); a null for a known field is dropped (Go leaves the
// field untouched). Unknown keys are kept for loose schemas and stripped by zod otherwise.
// Deliberate difference: Go merges two objects given for the same struct field; here the last
// object replaces the earlier one (see docs/compat.md).
import type * as z from 'zod';

export type Def = { type: string } & Record<string, unknown>;

export function defOf(schema: unknown): Def | undefined {
  // zod 4 keeps a schema's definition under `_zod.def`; walking it is the supported way.
  // oxlint-disable-next-line no-underscore-dangle
  return (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

/** Unwraps optional/default/nullable/pipe/lazy... down to the schema that shapes the value. */
export function core(schema: unknown): Def | undefined {
  let def = defOf(schema);
  for (let guard = 0; def && guard < 64; guard++) {
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'nonoptional':
      case 'readonly':
      case 'catch':
      case 'success':
        def = defOf(def.innerType);
        continue;
      case 'pipe':
        // A transform first (z.preprocess) tells nothing about the shape; use the output side.
        def = defOf(defOf(def.in)?.type === 'transform' ? def.out : def.in);
        continue;
      case 'lazy':
        def = defOf((def.getter as () => unknown)());
        continue;
    }
    return def;
  }
  return def;
}

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
    if (v === null) continue;
    // Re-inserting moves the key to the end so the last document key keeps winning.
    delete out[field];
    out[field] = normalizeWith(fields.get(field), v);
  }
  return out;
}

function normalizeWith(schema: unknown, value: unknown): unknown {
  const def = core(schema);
  if (!def || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (def.type === 'array') return value.map((e) => normalizeWith(def.element, e));
    if (def.type === 'tuple') return value.map((e, i) => normalizeWith((def.items as unknown[])[i] ?? def.rest, e));
    return value;
  }
  return normalizeObject(def, value as Record<string, unknown>);
}

/** Applies Go's key matching for `schema` to a parsed JSON value (returns a new value). */
export function goNormalize(schema: z.ZodType, value: unknown): unknown {
  return normalizeWith(schema, value);
}
