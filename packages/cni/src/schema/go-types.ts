// Go type names attached to schemas, so a value of the wrong JSON type fails with Go's text:
// `json: cannot unmarshal number into Go struct field PluginConf.type of type string`.
import * as z from 'zod';
import { core, defOf } from './zod-def';

export interface GoField {
  /** The Go struct holding the field, as Go names it in errors (`PluginConf`, `IPAM`, `Range`). */
  struct: string;
  /** The field's Go type (`string`, `map[string]bool`, `[]allocator.RangeSet`). */
  type: string;
  /**
   * What a JSON null decodes to, when not "left unset": `''` for a type whose UnmarshalJSON
   * reads null as an empty string (types.IPNet), `{}` or `[]` for the zero value of a struct or
   * slice element of an array.
   */
  nullAs?: unknown;
}

/** Schemas annotated with their Go field (see goField). */
export const goFields = z.registry<GoField>();

/** Annotates a schema with the Go struct and type it decodes into; returns the same schema. */
export function goField<S extends z.ZodType>(schema: S, struct: string, type: string, opts: { nullAs?: unknown } = {}): S {
  goFields.add(schema, opts.nullAs === undefined ? { struct, type } : { struct, type, nullAs: opts.nullAs });
  return schema;
}

/** The annotation of a schema or of any wrapper inside it (optional, default, pipe...). */
function annotation(schema: unknown): GoField | undefined {
  let cur = schema;
  for (let guard = 0; cur && guard < 64; guard++) {
    // defOf first: it builds a lazy schema (lazy.ts), which then carries its annotation.
    const def = defOf(cur);
    const m = goFields.get(cur as z.ZodType);
    if (m) return m;
    if (!def) return undefined;
    cur = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  }
  return undefined;
}

/** What a JSON null decodes to for `schema` (goField's nullAs), or undefined. */
export function goNullAs(schema: unknown): unknown {
  return annotation(schema)?.nullAs;
}

/**
 * Go's text for a JSON value of the wrong type at `path` (zod's issue path), or undefined when
 * the schema carries no Go annotation there. Go names the innermost struct and the dotted path
 * of struct fields (array indices and map keys are not part of it).
 */
export function goTypeErrorText(schema: z.ZodType, path: readonly PropertyKey[], jsonKind: string): string | undefined {
  let cur: unknown = schema;
  const fields: string[] = [];
  for (const p of path) {
    const def = core(cur);
    if (!def) return undefined;
    if (def.type === 'object') {
      cur = (def.shape as Record<string, unknown>)[String(p)];
      fields.push(String(p));
    } else if (def.type === 'array') {
      cur = def.element;
    } else if (def.type === 'record') {
      cur = def.valueType;
    } else {
      return undefined;
    }
    if (cur === undefined) return undefined;
  }
  const m = annotation(cur);
  if (!m) return undefined;
  return `json: cannot unmarshal ${jsonKind} into Go struct field ${m.struct}.${fields.join('.')} of type ${m.type}`;
}
