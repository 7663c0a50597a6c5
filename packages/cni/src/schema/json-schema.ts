import * as z from 'zod';

/**
 * The JSON Schema (draft 2020-12) of a config schema, describing the JSON a user writes
 * (the input side: transforms such as IP canonicalisation are invisible).
 */
export function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
