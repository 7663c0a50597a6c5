// libcni NetworkPluginConfFromBytes: one plugin configuration object, decoded into the fields
// of Go's types.PluginConf (keys matched case-insensitively, as encoding/json does).
import { dnsSchema, formatPath, formatZodError, goJsonParse, GoJsonSyntaxError, goMarshal, goNormalize, sortKeysDeep, type PluginConf } from '@cni-ts/cni';
import * as z from 'zod';
import type { PluginConfig } from '../types';
import { ConfError } from './errors';

/** Exactly the fields libcni decodes; wrong JSON types in them are load errors, others pass through. */
const goPluginConf = z.looseObject({
  cniVersion: z.string().optional(),
  name: z.string().optional(),
  type: z.string().optional(),
  capabilities: z.record(z.string(), z.boolean()).optional(),
  ipam: z.looseObject({ type: z.string().optional() }).optional(),
  dns: dnsSchema.optional(),
  prevResult: z.record(z.string(), z.unknown()).optional(),
  'cni.dev/valid-attachments': z.array(z.looseObject({ containerID: z.string().optional(), ifname: z.string().optional() })).optional(),
});

const PREFIX = 'error parsing configuration';

/** Decodes an already parsed plugin object; `field` prefixes error paths (e.g. `plugins[2]`). */
export function decodePluginConf(value: unknown, field = ''): PluginConf {
  const at = (p: string) => (field && p ? `${field}.${p}` : field || p) || undefined;
  if (value !== null && (typeof value !== 'object' || Array.isArray(value))) {
    const kind = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
    throw new ConfError(`${PREFIX}: json: cannot unmarshal ${kind} into Go value of type types.PluginConf`, { field: at('') });
  }
  const input = goNormalize(goPluginConf, value ?? {});
  const r = goPluginConf.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ConfError(`${PREFIX}: ${formatZodError(r.error, input)}`, { field: at(formatPath(issue?.path ?? [])), cause: r.error });
  }
  if (!r.data.type) throw new ConfError(`${PREFIX}: missing 'type'`, { field: at('type') });
  return r.data as PluginConf;
}

/** NetworkPluginConfFromBytes: the bytes are kept as given (they are what the plugin receives). */
export function pluginConfFromBytes(bytes: Uint8Array): PluginConfig {
  let value: unknown;
  try {
    value = goJsonParse(bytes);
  } catch (err) {
    const offset = err instanceof GoJsonSyntaxError ? err.offset : undefined;
    throw new ConfError(`${PREFIX}: ${(err as Error).message}`, { offset, cause: err });
  }
  return { network: decodePluginConf(value), bytes };
}

/** Go's json.Marshal of a decoded interface{}: compact, object keys sorted at every level. */
export function marshalSorted(value: unknown): Uint8Array {
  return new TextEncoder().encode(goMarshal(sortKeysDeep(value)));
}
