import * as z from 'zod';
import type { Plugin } from '../plugin';

/**
 * The JSON Schema (draft 2020-12) of a config schema, describing the JSON a user writes
 * (the input side: transforms such as IP canonicalisation are invisible).
 */
export function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** A plugin's config JSON Schema, from its lazily loaded configSchema (undefined without one). */
export async function pluginJsonSchema(plugin: Plugin): Promise<Record<string, unknown> | undefined> {
  const schema = await plugin.configSchema?.();
  return schema ? toJsonSchema(schema) : undefined;
}
