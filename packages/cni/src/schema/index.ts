// '@cni-ts/cni/schema': Go-style config decoding over zod (key matching, Go's texts, field
// paths) and Go's address and route field types, without the rest of the barrel (results,
// delegation), for plugins' command modules that want a short start-up.
export { goNormalize } from './normalize';
export { goField, goFields, goNullAs, goTypeErrorText, type GoField } from './go-types';
export {
  decodeWithSchema,
  formatPath,
  formatZodError,
  parseWithSchema,
  schemaError,
  SchemaDecodeError,
  type SchemaErrorOptions,
} from './errors';
export { goCIDR, goCIDRAddr, goInt, goIP, goIPAddr, goUint } from './net';
export { goRoute } from './route';
export { toJsonSchema } from './json-schema';
export { lazySchema } from './lazy';
export { decodeGoStruct, type GoStructTypes } from './go-struct';
