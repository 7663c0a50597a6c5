// '@cni-ts/cni/schema': the config decoder (Go's encoding/json rules and texts over zod), the
// Go field types and the shared NetConf declaration, without the rest of the barrel (results,
// delegation).
export { decode, DecodeError, formatPath, issueText, schemaIssues, type DecodeIssue, type DecodeOptions } from './decode';
export { go, goMap, goStruct, goTypeName, goTypeOf, goUint32, type GoType } from './go';
export { goCIDR, goCIDRAddr, goInt, goIP, goIPAddr, goUint } from './net';
export { goRoute } from './route';
export { toJsonSchema } from './json-schema';
export { lazySchema } from './lazy';
export { gcAttachmentSchema, netConf, netConfFields, netConfSchema, type NetConf } from '../config/schema';
