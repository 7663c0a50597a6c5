// libcni NetworkPluginConfFromBytes: one plugin configuration object, decoded into the fields
// of Go's types.PluginConf (keys matched case-insensitively, as encoding/json does).
import { decode, DecodeError, goJsonParse, GoJsonSyntaxError, goMarshal, netConfSchema, sortKeysDeep, type PluginConf } from '@cni-ts/cni';
import type { PluginConfig } from '../types';
import { ConfError } from './errors';

const PREFIX = 'error parsing configuration';

/** Decodes an already parsed plugin object; `field` prefixes error paths (e.g. `plugins[2]`). */
export function decodePluginConf(value: unknown, field = ''): PluginConf {
  const at = (p: string) => (field && p ? `${field}.${p}` : field || p) || undefined;
  if (value !== null && (typeof value !== 'object' || Array.isArray(value))) {
    const kind = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
    throw new ConfError(`${PREFIX}: json: cannot unmarshal ${kind} into Go value of type types.PluginConf`, { field: at('') });
  }
  let conf: PluginConf;
  try {
    // Exactly the fields libcni decodes (types.NetConf); wrong JSON types in them are load errors.
    conf = decode(netConfSchema, value ?? {}, { prefix: PREFIX, pathInMessage: true, details: false });
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    throw new ConfError(err.msg, { field: at(err.field), cause: err });
  }
  if (!conf.type) throw new ConfError(`${PREFIX}: missing 'type'`, { field: at('type') });
  return conf;
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
