/**
 * Go's xxxFromString for a link mode or flag: "" or absent means `values[0]`, anything not in
 * `values` is "unknown <what>: \"s\"".
 */
export function enumFromString<T extends string>(what: string, values: readonly T[], s: string | undefined): T {
  const v = s || values[0]!;
  if ((values as readonly string[]).includes(v)) return v as T;
  throw new Error(`unknown ${what}: ${JSON.stringify(s)}`);
}
