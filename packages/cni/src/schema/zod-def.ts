// The definition zod keeps behind a schema, and the schema that shapes a value under its
// wrappers: what Go-style decoding walks (normalize.ts, go-types.ts).
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
