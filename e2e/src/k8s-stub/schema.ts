// What the API server does with a custom resource against its CRD's structural schema: unknown
// fields are pruned (unless x-kubernetes-preserve-unknown-fields), nulls of non-nullable fields
// are dropped, then types, enums and required fields are checked. The field paths and texts are
// the server's (`spec.podref: Required value`), so a test sees what a cluster would answer.
import type { JsonSchema } from './resources';

/** ObjectMeta fields the server keeps (the rest of metadata is pruned, as for any type). */
const META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
  'selfLink',
]);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeOk(s: JsonSchema, v: unknown): boolean {
  if (s['x-kubernetes-int-or-string']) return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
  switch (s.type) {
    case undefined:
      return true;
    case 'object':
      return isObj(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

/** Drops unknown fields and non-nullable nulls in place; returns the (possibly replaced) value. */
function prune(s: JsonSchema | undefined, v: unknown): unknown {
  if (!s || s['x-kubernetes-preserve-unknown-fields'] && !s.properties && !s.additionalProperties) return v;
  if (isObj(v)) {
    for (const [k, child] of Object.entries(v)) {
      const cs = s.properties?.[k] ?? (isObj(s.additionalProperties) ? s.additionalProperties : undefined);
      if (!cs) {
        if (!s['x-kubernetes-preserve-unknown-fields'] && s.additionalProperties !== true) delete v[k];
        continue;
      }
      if (child === null && !cs.nullable) {
        delete v[k];
        continue;
      }
      v[k] = prune(cs, child);
    }
  } else if (Array.isArray(v) && s.items) {
    return v.map((x) => prune(s.items, x));
  }
  return v;
}

function check(s: JsonSchema, v: unknown, path: string, errs: string[]): void {
  const at = path || '<root>';
  if (v === null) {
    if (!s.nullable) errs.push(`${at}: Invalid value: "null": ${at} in body must be of type ${s.type ?? 'object'}: "null"`);
    return;
  }
  if (!typeOk(s, v)) {
    errs.push(`${at}: Invalid value: "${typeName(v)}": ${at} in body must be of type ${s.type}: "${typeName(v)}"`);
    return;
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    errs.push(`${at}: Unsupported value: ${JSON.stringify(v)}: supported values: ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  }
  if (isObj(v)) {
    for (const r of s.required ?? []) if (!(r in v)) errs.push(`${path ? `${path}.` : ''}${r}: Required value`);
    for (const [k, child] of Object.entries(v)) {
      const cs = s.properties?.[k] ?? (isObj(s.additionalProperties) ? s.additionalProperties : undefined);
      if (cs) check(cs, child, path ? `${path}.${k}` : k, errs);
    }
  } else if (Array.isArray(v) && s.items) {
    v.forEach((x, i) => check(s.items!, x, `${path}[${i}]`, errs));
  }
}

/**
 * Prunes `obj` (in place) and validates it against a CRD's openAPIV3Schema. Returns the
 * validation errors (empty when valid). apiVersion, kind and ObjectMeta are the server's, not the
 * schema's.
 */
export function pruneAndValidate(schema: JsonSchema, obj: Record<string, unknown>): string[] {
  const { apiVersion, kind, metadata } = obj;
  const body: Record<string, unknown> = { ...obj };
  delete body.apiVersion;
  delete body.kind;
  delete body.metadata;
  const rootSchema: JsonSchema = { ...schema, properties: { ...schema.properties } };
  delete rootSchema.properties!.apiVersion;
  delete rootSchema.properties!.kind;
  delete rootSchema.properties!.metadata;
  prune(rootSchema, body);
  for (const k of Object.keys(obj)) delete obj[k];
  Object.assign(obj, { apiVersion, kind }, metadata === undefined ? {} : { metadata }, body);
  if (isObj(obj.metadata)) for (const k of Object.keys(obj.metadata)) if (!META_FIELDS.has(k)) delete obj.metadata[k];
  const errs: string[] = [];
  check({ ...rootSchema, required: (rootSchema.required ?? []).filter((r) => !['apiVersion', 'kind', 'metadata'].includes(r)) }, body, '', errs);
  return errs;
}
