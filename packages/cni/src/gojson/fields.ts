// Reading one typed field out of a parsed JSON object the way json.Unmarshal fills a struct
// field: keys match case-insensitively, the last matching key wins, null leaves the field alone.

/** The JSON kind Go names in "cannot unmarshal <kind> into ..." errors. */
export function goJsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
  }
  return 'object';
}

/** Go's field-name matching: fold case (ASCII and simple Unicode folding are close enough). */
export function foldEq(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}

/**
 * Decodes a string field of an anonymous Go struct from a JSON value, e.g. the skeleton's
 * `struct { Name string \`json:"name"\` }`. Returns "" when absent or when the value is null.
 * Throws Go's texts: "json: cannot unmarshal number into Go struct field .name of type string",
 * or for a non-object "json: cannot unmarshal array into Go value of type struct { ... }".
 */
export function goStringField(value: unknown, field: string, goField: string): string {
  if (value === null) return '';
  if (typeof value !== 'object' || Array.isArray(value)) {
    const tag = `"json:\\"${field}\\""`;
    throw new Error(`json: cannot unmarshal ${goJsonKind(value)} into Go value of type struct { ${goField} string ${tag} }`);
  }
  let out = '';
  for (const [k, v] of Object.entries(value)) {
    if (!foldEq(k, field) || v === null) continue;
    if (typeof v !== 'string') {
      throw new Error(`json: cannot unmarshal ${goJsonKind(v)} into Go struct field .${field} of type string`);
    }
    out = v;
  }
  return out;
}
