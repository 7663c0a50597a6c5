// CNI_ARGS ("K1=V1;K2=V2") with Go's types.LoadArgs semantics: every pair must be exactly
// key=value, keys name fields case-sensitively, unknown keys fail unless IgnoreUnknown is
// true, and value errors name the pair.
import { canonicalIP } from './ip';
import { goQuote, goQuoteList } from './gojson/quote';

/** How one key's value is decoded: a built-in Go text type or a function that throws on bad input. */
export type ArgParser = 'string' | 'bool' | 'ip' | ((value: string) => unknown);

/** The known keys of a plugin's args struct (IgnoreUnknown is always known). */
export type ArgSpec = Record<string, ArgParser>;

type ParsedArg<P> = P extends 'string'
  ? string
  : P extends 'bool'
    ? boolean
    : P extends 'ip'
      ? string | undefined
      : P extends (value: string) => infer R
        ? R
        : never;

/** The decoded args: keys present in CNI_ARGS only. */
export type ArgsOf<S extends ArgSpec> = { [K in keyof S]?: ParsedArg<S[K]> } & { IgnoreUnknown?: boolean };

/** types.UnmarshallableBool: "1"/"true" and "0"/"false" in any case. */
export function parseArgBool(value: string): boolean {
  const s = value.toLowerCase();
  if (s === '1' || s === 'true') return true;
  if (s === '0' || s === 'false') return false;
  throw new Error(`boolean unmarshal error: invalid input ${s}`);
}

/** net.IP's UnmarshalText: "" is no address, anything else must parse. */
export function parseArgIP(value: string): string | undefined {
  if (value === '') return undefined;
  const ip = canonicalIP(value);
  if (ip === undefined) throw new Error(`invalid IP address: ${value}`);
  return ip;
}

const PARSERS = { string: (v: string) => v, bool: parseArgBool, ip: parseArgIP } as const;

/** The arguments Kubernetes runtimes send (always with IgnoreUnknown=1). */
export const K8S_ARGS = {
  K8S_POD_NAMESPACE: 'string',
  K8S_POD_NAME: 'string',
  K8S_POD_INFRA_CONTAINER_ID: 'string',
  K8S_POD_UID: 'string',
} as const satisfies ArgSpec;

/**
 * types.LoadArgs. Throws plain errors with Go's texts (a plugin returning them yields code
 * 999, as the reference does): `ARGS: invalid pair "x"`, `ARGS: unknown args ["FOO=bar"]`,
 * `ARGS: error parsing value of pair "IgnoreUnknown=x": boolean unmarshal error: invalid input x`.
 */
export function loadArgs<S extends ArgSpec>(raw: string, spec: S): ArgsOf<S> {
  const out: Record<string, unknown> = {};
  if (raw === '') return out as ArgsOf<S>;
  const fields: Record<string, ArgParser> = { ...spec, IgnoreUnknown: 'bool' };
  const unknown: string[] = [];
  for (const pair of raw.split(';')) {
    const kv = pair.split('=');
    if (kv.length !== 2) throw new Error(`ARGS: invalid pair ${goQuote(pair)}`);
    const [key, value] = kv as [string, string];
    if (key === 'CommonArgs') {
      // Go finds the embedded struct by name, and it is no text type.
      throw new Error(`ARGS: cannot unmarshal into field 'CommonArgs' - type '*types.CommonArgs' does not implement encoding.TextUnmarshaler`);
    }
    if (!Object.prototype.hasOwnProperty.call(fields, key)) {
      unknown.push(pair);
      continue;
    }
    const p = fields[key]!;
    const parse = typeof p === 'function' ? p : PARSERS[p];
    try {
      out[key] = parse(value);
    } catch (err) {
      throw new Error(`ARGS: error parsing value of pair ${goQuote(pair)}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (unknown.length > 0 && out.IgnoreUnknown !== true) throw new Error(`ARGS: unknown args ${goQuoteList(unknown)}`);
  return out as ArgsOf<S>;
}

/** CNI_ARGS as handed to a plugin: the raw string and a parser bound to it. */
export interface CniArgs {
  readonly raw: string;
  /** types.LoadArgs(raw, spec). */
  load<S extends ArgSpec>(spec: S): ArgsOf<S>;
  /** The pairs as written, without validation (for passing along). */
  pairs(): [string, string][];
}

export function cniArgs(raw: string): CniArgs {
  return {
    raw,
    load: (spec) => loadArgs(raw, spec),
    pairs: () =>
      raw === ''
        ? []
        : raw.split(';').map((p) => {
            const at = p.indexOf('=');
            return at < 0 ? [p, ''] : [p.slice(0, at), p.slice(at + 1)];
          }),
  };
}
