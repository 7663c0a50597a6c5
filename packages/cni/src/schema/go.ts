// Go types attached to zod schemas: what the decoder (decode.ts) needs to decode a config the
// way encoding/json fills a Go struct, and to word a failure as Go does:
//   json: cannot unmarshal string into Go struct field NetConf.mtu of type int
// Most field types are inferred (z.string() is `string`, z.number().int() `int`, z.boolean()
// `bool`, arrays `[]T`, records `map[string]T`, z.unknown() `interface {}`); go() names the
// others (`uint32`, `net.IP`, `types.IPAM`) and gives a struct the name errors print for its
// fields. Annotations are keyed by the schema's definition, so describe() and meta() (copies
// sharing it) keep them; optional(), default() and the like wrap them and are looked through.
import * as z from 'zod';

export type Def = { type: string } & Record<string, unknown>;

export interface GoType {
  /** The Go type as errors print it: `int`, `uint32`, `net.IP`, `types.IPAM`, `[]*types.Route`. */
  type: string;
  /** For a struct: the name errors print for its fields (`NetConf`, `IPAM`; '' = anonymous). */
  struct?: string;
  /**
   * What a JSON null decodes to, when Go does not leave the value alone: `''` for a type whose
   * UnmarshalJSON reads null as an empty string (types.IPNet), `{}` or `[]` for the zero value
   * of an array element. Without it a null field is left alone and a null element is Go's zero
   * value of its type (`''`, `0`, `false`, `{}`, `[]`; `null` where the schema accepts null).
   */
  nullAs?: unknown;
}

const types = new WeakMap<object, GoType>();

export function defOf(schema: unknown): Def | undefined {
  // zod 4 keeps a schema's definition under `_zod.def`; walking it is the supported way.
  // oxlint-disable-next-line no-underscore-dangle
  return (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

/**
 * Annotates `schema` with its Go type (and, for a struct, the name its fields' errors print).
 * Annotating again changes only what is given (a caller may rename the type of a shared schema).
 */
export function go<S extends z.ZodType>(schema: S, type: string, opts: { struct?: string; nullAs?: unknown } = {}): S {
  const def = defOf(schema);
  if (!def) throw new Error('go(): not a zod schema');
  const t: GoType = { ...types.get(def), type };
  if (opts.struct !== undefined) t.struct = opts.struct;
  if (opts.nullAs !== undefined) t.nullAs = opts.nullAs;
  types.set(def, t);
  return schema;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'nonoptional', 'readonly', 'catch', 'success']);

/** The annotation of a schema or of a wrapper inside it (optional, default, pipe, lazy...). */
export function goTypeOf(schema: unknown): GoType | undefined {
  let cur = schema;
  for (let guard = 0; cur && guard < 64; guard++) {
    const def = defOf(cur);
    if (!def) return undefined;
    const t = types.get(def);
    if (t) return t;
    if (WRAPPERS.has(def.type)) cur = def.innerType;
    else if (def.type === 'pipe') cur = def.in;
    else if (def.type === 'lazy') cur = (def.getter as () => unknown)();
    else return undefined;
  }
  return undefined;
}

/** The schema that shapes the JSON value under optional/default/pipe/lazy... wrappers. */
export function coreOf(schema: unknown): z.ZodType | undefined {
  let cur = schema;
  for (let guard = 0; cur && guard < 64; guard++) {
    const def = defOf(cur);
    if (!def) return undefined;
    if (WRAPPERS.has(def.type)) cur = def.innerType;
    // A transform first (z.preprocess) tells nothing about the shape; use the output side.
    else if (def.type === 'pipe') cur = defOf(def.in)?.type === 'transform' ? def.out : def.in;
    else if (def.type === 'lazy') cur = (def.getter as () => unknown)();
    else return cur as z.ZodType;
  }
  return undefined;
}

/** Whether some wrapper of `schema` accepts null (z.nullable). */
export function acceptsNull(schema: unknown): boolean {
  let cur = schema;
  for (let guard = 0; cur && guard < 64; guard++) {
    const def = defOf(cur);
    if (!def) return false;
    if (def.type === 'nullable' || def.type === 'null' || def.type === 'unknown' || def.type === 'any') return true;
    if (WRAPPERS.has(def.type)) cur = def.innerType;
    else if (def.type === 'pipe') cur = def.in;
    else return false;
  }
  return false;
}

/** Whether a wrapper of `schema` transforms the value (a custom decoding: Go's UnmarshalJSON). */
export function hasTransform(schema: unknown): boolean {
  let cur = schema;
  for (let guard = 0; cur && guard < 64; guard++) {
    const def = defOf(cur);
    if (!def) return false;
    if (def.type === 'pipe' || def.type === 'transform') return true;
    if (WRAPPERS.has(def.type)) cur = def.innerType;
    else return false;
  }
  return false;
}

/** The Go integer ranges a JSON number must fit (literal text in errors: `number -1`). */
const INTS: Record<string, [number, number]> = {
  int: [-(2 ** 63), 2 ** 63],
  int64: [-(2 ** 63), 2 ** 63],
  int32: [-(2 ** 31), 2 ** 31],
  int16: [-(2 ** 15), 2 ** 15],
  int8: [-(2 ** 7), 2 ** 7],
  uint: [0, 2 ** 64],
  uint64: [0, 2 ** 64],
  uint32: [0, 2 ** 32],
  uint16: [0, 2 ** 16],
  uint8: [0, 2 ** 8],
};

function isIntSchema(core: unknown): boolean {
  const checks = (defOf(core)?.checks as { _zod: { def: { check?: string; format?: string } } }[] | undefined) ?? [];
  return checks.some((c) => c._zod.def.check === 'number_format' && /int/.test(c._zod.def.format ?? ''));
}

/** The [min, max) a number decoded into `schema` must fall in, integral; undefined: any number. */
export function intRange(schema: unknown): [number, number] | undefined {
  const t = goTypeOf(schema)?.type.replace(/^\*+/, '');
  if (t !== undefined && t in INTS) return INTS[t];
  if (t === 'float64' || t === 'float32') return undefined;
  return isIntSchema(coreOf(schema)) ? INTS.int : undefined;
}

/** The Go type of `schema`: its annotation, else inferred from the zod type; undefined if unknown. */
export function goTypeName(schema: unknown): string | undefined {
  const t = goTypeOf(schema);
  if (t) return t.type;
  const core = coreOf(schema);
  const def = defOf(core);
  switch (def?.type) {
    case 'string':
    case 'enum':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return isIntSchema(core) ? 'int' : 'float64';
    case 'unknown':
    case 'any':
      return 'interface {}';
    case 'array': {
      const e = goTypeName(def.element);
      return e === undefined ? undefined : `[]${e}`;
    }
    case 'record': {
      const v = goTypeName(def.valueType);
      return v === undefined ? undefined : `map[string]${v}`;
    }
  }
  return undefined;
}

// Field builders for the Go types configs use most; each call gives a fresh schema.
/** A Go `uint32` (a JSON number, integral, 0 to 2^32-1). */
export const goUint32 = () => go(z.number().int(), 'uint32');
/** A Go `map[string]interface {}` (prevResult, cni-args): any JSON object. */
export const goMap = () => z.record(z.string(), z.unknown());

/** A Go struct: `type` names it in "Go value of type ..." errors, `struct` in its fields' errors. */
export function goStruct<T extends z.core.$ZodLooseShape>(type: string, struct: string, shape: T) {
  return go(z.object(shape), type, { struct });
}
