// create.Create / CreateFromBytes / version.ParsePrevResult: turning JSON into a typed result.
import { goJsonParse } from '../gojson/parse';
import { foldEq, goStringField } from '../gojson/fields';
import { goList, goQuote } from '../gojson/quote';
import { decode } from '../schema/decode';
import { FAMILY_VERSIONS, resultFamily } from './family';
import { result020Schema, result040Schema, result100Schema } from './schema';
import type { Result } from './types';

const SCHEMAS = { '020': result020Schema, '040': result040Schema, '100': result100Schema } as const;

/** Drops keys whose value is undefined, so results compare and print like Go's. */
function clean<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clean) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) if (e !== undefined) out[k] = clean(e);
    return out as T;
  }
  return v;
}

/**
 * create.Create(version, json): decodes a result with the Go type for `version`. Errors:
 * `unsupported CNI result version "x"`, decode errors, and
 * `result type supports [1.0.0 1.1.0] but unmarshalled CNIVersion is "0.4.0"`.
 */
export function createResult(version: string, json: unknown): Result {
  const family = resultFamily(version);
  if (!family) throw new Error(`unsupported CNI result version ${goQuote(version)}`);
  const decoded = clean(decode(SCHEMAS[family], json ?? {}, { pathInMessage: true, details: false })) as Record<string, unknown>;
  const got = (decoded.cniVersion as string | undefined) ?? '';
  if (!FAMILY_VERSIONS[family].includes(got)) {
    throw new Error(`result type supports ${goList(FAMILY_VERSIONS[family])} but unmarshalled CNIVersion is ${goQuote(got)}`);
  }
  if (got === '') decoded.cniVersion = '0.1.0';
  return decoded as unknown as Result;
}

/** create.CreateFromBytes: the result's own cniVersion picks the type ("" = 0.1.0). */
export function createResultFromBytes(bytes: Uint8Array | string): Result {
  const json = goJsonParse(bytes);
  let version: string;
  try {
    version = goStringField(json, 'cniVersion', 'CNIVersion') || '0.1.0';
  } catch (err) {
    throw new Error(`decoding version from network config: ${(err as Error).message}`, { cause: err });
  }
  return createResult(version, json);
}

/**
 * version.ParsePrevResult: decodes a config's prevResult with the *config's* cniVersion. A
 * prevResult without its own cniVersion takes the config's; one in another family fails
 * (`could not parse prevResult: result type supports ...`). Returns undefined when absent.
 */
export function parsePrevResult(prevResult: unknown, configVersion: string): Result | undefined {
  if (prevResult === undefined || prevResult === null) return undefined;
  if (typeof prevResult !== 'object' || Array.isArray(prevResult)) {
    throw new Error(`could not parse prevResult: json: cannot unmarshal ${Array.isArray(prevResult) ? 'array' : typeof prevResult} into Go value of type map[string]interface {}`);
  }
  // Go injects the config version under the literal key "CNIVersion" unless that exact key
  // holds a non-empty value, then re-marshals the map (sorted keys) and decodes it: of the
  // keys naming cniVersion in any case, the last in byte order wins, so a lower-case
  // "cniVersion" of the prevResult itself beats the injected one.
  const raw: Record<string, unknown> = { ...(prevResult as Record<string, unknown>) };
  if (raw.CNIVersion === undefined || raw.CNIVersion === '') raw.CNIVersion = configVersion;
  const versionKeys = Object.keys(raw)
    .filter((k) => foldEq(k, 'cniVersion'))
    .toSorted((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const json: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!foldEq(k, 'cniVersion')) json[k] = v;
  for (const k of versionKeys) if (raw[k] !== null) json.cniVersion = raw[k];
  try {
    return createResult(configVersion, json);
  } catch (err) {
    throw new Error(`could not parse prevResult: ${(err as Error).message}`, { cause: err });
  }
}
