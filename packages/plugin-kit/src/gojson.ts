// Decoding a plugin config the way Go's encoding/json fills the plugin's NetConf struct, with
// zod doing the checking: keys match field names exactly or else case-insensitively, unknown
// keys are ignored, `null` leaves a field alone (even one an earlier duplicate key set), and a
// value of the wrong JSON type fails with Go's text:
//   json: cannot unmarshal string into Go struct field NetConf.mtu of type int
// Each field schema is tagged with go(schema, struct, type) to name it in such errors.
import * as z from 'zod';

export interface GoFieldInfo {
  /** The Go struct holding the field, as Go names it in errors ("NetConf", "IPAM"). */
  struct: string;
  /** The field's Go type ("int", "uint32", "map[string]interface {}"). */
  type: string;
}

const registry = z.registry<GoFieldInfo>();

/** Tags `schema` as a Go field of `struct` with Go type `type`. */
export function go<S extends z.ZodType>(schema: S, struct: string, type: string): S {
  registry.add(schema, { struct, type });
  return schema;
}

type Def = { type: string; catchall?: z.ZodType; innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType; shape?: Record<string, z.ZodType>; element?: z.ZodType; valueType?: z.ZodType };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema that gives a value its shape (under optional/default/pipe wrappers). */
function core(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 32; i++) {
    const d = defOf(cur);
    if ((d.type === 'optional' || d.type === 'nullable' || d.type === 'default' || d.type === 'prefault') && d.innerType) cur = d.innerType;
    else if (d.type === 'pipe' && d.in) cur = defOf(d.in).type === 'transform' && d.out ? d.out : d.in;
    else break;
  }
  return cur;
}

function infoOf(s: z.ZodType | undefined): GoFieldInfo | undefined {
  let cur = s;
  for (let i = 0; cur && i < 32; i++) {
    const m = registry.get(cur);
    if (m) return m;
    const d = defOf(cur);
    cur = d.innerType ?? (d.type === 'pipe' ? d.in : undefined);
  }
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function normalize(schema: z.ZodType, value: unknown): unknown {
  const d = defOf(core(schema));
  if (d.type === 'object' && d.shape && isObject(value)) {
    const fields = Object.keys(d.shape);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const field = fields.includes(k) ? k : fields.find((f) => f.toLowerCase() === k.toLowerCase());
      if (field === undefined) {
        // Loose objects (ipam) keep what belongs to someone else.
        if (d.catchall && !(k in out)) out[k] = v;
        continue;
      }
      if (v === null) continue;
      out[field] = normalize(d.shape[field]!, v);
    }
    return out;
  }
  if (d.type === 'array' && d.element && Array.isArray(value)) return value.map((v) => (v === null ? v : normalize(d.element!, v)));
  return value;
}

/** A config field Go could not decode: `message` is Go's text, `field` the JSON path. */
export class GoDecodeError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'GoDecodeError';
  }
}

function kindText(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return `number ${String(v)}`;
  return typeof v === 'object' ? 'object' : typeof v;
}

function at(schema: z.ZodType, value: unknown, path: readonly PropertyKey[]): { schema?: z.ZodType; value: unknown } {
  let s: z.ZodType | undefined = schema;
  let v = value;
  for (const p of path) {
    const d: Def | undefined = s && defOf(core(s));
    s = typeof p === 'number' ? d?.element : (d?.shape?.[String(p)] ?? d?.valueType);
    v = (v as Record<PropertyKey, unknown> | undefined)?.[p];
  }
  return { schema: s, value: v };
}

const dotted = (path: readonly PropertyKey[]) => path.filter((p) => typeof p !== 'number').join('.');
const jsonPath = (path: readonly PropertyKey[]) =>
  path.reduce<string>((o, p) => (typeof p === 'number' ? `${o}[${p}]` : o ? `${o}.${String(p)}` : String(p)), '');

/** Decodes `input` with `schema` under Go's rules; throws GoDecodeError on the first problem. */
export function goDecode<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const normalized = normalize(schema, input);
  const r = schema.safeParse(normalized);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const { schema: fieldSchema, value } = at(schema, normalized, issue.path);
  const info = infoOf(fieldSchema);
  const typeIssue = issue.code === 'invalid_type' || ((issue.code === 'too_small' || issue.code === 'too_big') && typeof value === 'number');
  if (typeIssue && info) {
    throw new GoDecodeError(`json: cannot unmarshal ${kindText(value)} into Go struct field ${info.struct}.${dotted(issue.path)} of type ${info.type}`, jsonPath(issue.path));
  }
  throw new GoDecodeError(issue.message, jsonPath(issue.path));
}

// Field builders for the Go types plugin configs use.
export const goStr = (struct: string) => go(z.string(), struct, 'string');
export const goBool = (struct: string) => go(z.boolean(), struct, 'bool');
export const goInt = (struct: string) => go(z.number().int().min(-(2 ** 63)).max(2 ** 63 - 1), struct, 'int');
export const goUint32 = (struct: string) => go(z.number().int().min(0).max(2 ** 32 - 1), struct, 'uint32');
export const goStrings = (struct: string) => go(z.array(z.string().nullable().transform((s) => s ?? '')), struct, '[]string');
/** map[string]interface{} (prevResult): any JSON object. */
export const goMap = (struct: string) => go(z.record(z.string(), z.unknown()), struct, 'map[string]interface {}');

/** types.IPAM: only `type` matters to the main plugin; the rest belongs to the IPAM plugin. */
export const goIpam = () => go(z.looseObject({ type: goStr('IPAM').optional() }), 'NetConf', 'types.IPAM');

/** types.DNS, copied verbatim into results. */
export const goDns = () =>
  go(
    z.object({
      nameservers: goStrings('DNS').optional(),
      domain: goStr('DNS').optional(),
      search: goStrings('DNS').optional(),
      options: goStrings('DNS').optional(),
    }),
    'NetConf',
    'types.DNS',
  );

/** The fields of types.NetConf every plugin config embeds. */
export function netConfFields() {
  return {
    cniVersion: goStr('NetConf').optional().describe('CNI spec version of this config'),
    name: goStr('NetConf').optional().describe('network name'),
    type: goStr('NetConf').optional().describe('plugin type (binary name)'),
    capabilities: go(z.record(z.string(), z.boolean()), 'NetConf', 'map[string]bool').optional(),
    ipam: goIpam().optional().describe('IPAM plugin config; empty or absent type = no addresses'),
    dns: goDns().optional().describe('copied into the result'),
    prevResult: goMap('NetConf').optional().describe('result of the previous plugin in a chain (set by the runtime)'),
  };
}
