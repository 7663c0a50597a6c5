// json.Unmarshal of stdin into a plugin's NetConf, wrapped as upstream's loadConf wraps it.
import type * as z from 'zod';
import { ConfigError } from './config-error';
import { goDecode, GoDecodeError } from './gojson';

/** Decodes with Go's JSON rules; a refusal becomes a ConfigError "<prefix>: <json error>". */
export function decodeNetConfWith<S extends z.ZodType>(schema: S, config: unknown, prefix = 'failed to load netconf'): z.output<S> {
  try {
    return goDecode(schema, config);
  } catch (err) {
    if (err instanceof GoDecodeError) throw new ConfigError(`${prefix}: ${err.message}`, err.field);
    throw err;
  }
}

/** The ipam.type that makes an attachment L3 ("" = L2 only). */
export const ipamType = (n: { ipam?: { type?: string } | undefined }): string => n.ipam?.type ?? '';
