// pkg/version: the spec versions this library speaks, Go's ParseVersion and comparisons.
// Version *matching* (config vs plugin) is exact string equality everywhere; only the
// CHECK/GC/STATUS gates compare numerically.

import { goQuote } from './gojson/quote';

/** The newest spec version implemented (version.Current()). */
export const CURRENT_VERSION = '1.1.0';

/** version.All: every spec version a plugin built on this library supports by default. */
export const ALL_VERSIONS: readonly string[] = Object.freeze(['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);

/** version.Legacy: plugins compatible with a 0.1.0 runtime. */
export const LEGACY_VERSIONS: readonly string[] = Object.freeze(['0.1.0', '0.2.0']);

/** version.VersionsStartingFrom: the tail of ALL_VERSIONS from minVersion (inclusive). */
export function versionsStartingFrom(minVersion: string): string[] {
  const at = ALL_VERSIONS.indexOf(minVersion);
  return at < 0 ? [] : ALL_VERSIONS.slice(at);
}

export type VersionTriple = [major: number, minor: number, micro: number];

/** strconv.Atoi: optional sign then decimal digits, within int64. */
function atoi(part: string): number {
  if (!/^[+-]?[0-9]+$/.test(part)) throw new Error(`strconv.Atoi: parsing ${goQuote(part)}: invalid syntax`);
  const n = BigInt(part);
  if (n >= 2n ** 63n || n < -(2n ** 63n)) throw new Error(`strconv.Atoi: parsing ${goQuote(part)}: value out of range`);
  return Number(n);
}

const PART_NAMES = ['major', 'minor', 'micro'] as const;

/**
 * version.ParseVersion: "" is 0.1.0; up to three dot-separated integers ("1" is 1.0.0 and
 * "0.-42.0" parses). Errors carry Go's wording, e.g.
 * `failed to convert major version part "x": strconv.Atoi: parsing "x": invalid syntax`.
 */
export function parseVersion(version: string): VersionTriple {
  if (version === '') return [0, 1, 0];
  const parts = version.split('.');
  if (parts.length >= 4) throw new Error(`invalid version ${goQuote(version)}: too many parts`);
  const out: VersionTriple = [0, 0, 0];
  parts.forEach((part, i) => {
    try {
      out[i] = atoi(part);
    } catch (err) {
      throw new Error(`failed to convert ${PART_NAMES[i]} version part ${goQuote(part)}: ${(err as Error).message}`, { cause: err });
    }
  });
  return out;
}

function compare(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** version.GreaterThanOrEqualTo; throws the ParseVersion error of the first bad input. */
export function versionGte(version: string, other: string): boolean {
  return compare(version, other) >= 0;
}

/**
 * versionGte with an unparsable version read as false: the plugins' `ok, _ :=
 * version.GreaterThanOrEqualTo(v, min)`.
 */
export function versionAtLeast(version: string, min: string): boolean {
  try {
    return versionGte(version, min);
  } catch {
    return false;
  }
}

/** version.GreaterThan. */
export function versionGt(version: string, other: string): boolean {
  return compare(version, other) > 0;
}

/** Reconciler.CheckRaw: exact string match of the config version in the supported list. */
export function versionSupported(configVersion: string, supported: readonly string[]): boolean {
  return supported.includes(configVersion);
}
