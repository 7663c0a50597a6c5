/**
 * Go `encoding/gob` types, as far as net/rpc between the dhcp plugin and its daemon needs them.
 *
 * A `GobType` describes a Go type the way gob puts it on the wire: basic types by their fixed ids,
 * composite ones (struct, slice, array, map) by a definition sent once per stream, and types with
 * their own marshalling (GobEncoder, BinaryMarshaler, TextMarshaler) as opaque bytes.
 */

export type GobBasic = 'bool' | 'int' | 'uint' | 'float' | 'bytes' | 'string';

export interface GobField {
  name: string;
  type: GobType;
}

export type GobType =
  | { kind: GobBasic }
  | { kind: 'struct'; name: string; fields: GobField[] }
  | { kind: 'slice'; name: string; elem: GobType }
  | { kind: 'array'; name: string; elem: GobType; len: number }
  | { kind: 'map'; name: string; key: GobType; elem: GobType }
  /** A type that marshals itself: `text` = encoding.TextMarshaler (net.IP), `binary`, `gob` = GobEncoder. */
  | { kind: 'text' | 'binary' | 'gob'; name: string };

/** The ids gob reserves for its predefined types (`encoding/gob/type.go`). */
export const BUILTIN_IDS: Readonly<Record<GobBasic | 'complex' | 'interface', number>> = {
  bool: 1,
  int: 2,
  uint: 3,
  float: 4,
  bytes: 5,
  string: 6,
  complex: 7,
  interface: 8,
};

/** Ids of the types gob uses to describe types (wireType and its parts). */
export const WIRE_TYPE_ID = 16;
/** The first id an encoder hands out to a user type (Go starts at 65: firstUserId 64, then ++). */
export const FIRST_USER_ID = 65;

export const gBool: GobType = { kind: 'bool' };
export const gInt: GobType = { kind: 'int' };
export const gUint: GobType = { kind: 'uint' };
export const gFloat: GobType = { kind: 'float' };
export const gBytes: GobType = { kind: 'bytes' };
export const gString: GobType = { kind: 'string' };

export function gStruct(name: string, fields: [string, GobType][]): GobType {
  return { kind: 'struct', name, fields: fields.map(([n, type]) => ({ name: n, type })) };
}
export function gSlice(elem: GobType, name = ''): GobType {
  return { kind: 'slice', name: name || `[]${typeName(elem)}`, elem };
}
export function gText(name: string): GobType {
  return { kind: 'text', name };
}

export function typeName(t: GobType): string {
  return 'name' in t ? t.name : t.kind;
}

export class GobError extends Error {
  override name = 'GobError';
}
