import type { Result, Result020, Result040, Result100 } from './types';

/** Go has one result type per family: 020 (0.1.0, 0.2.0), 040 (0.3.x, 0.4.0), 100 (1.x). */
export type ResultFamily = '020' | '040' | '100';

/** The versions each family's creator accepts ("" only for 020, read as 0.1.0). */
export const FAMILY_VERSIONS: Record<ResultFamily, readonly string[]> = {
  '020': ['', '0.1.0', '0.2.0'],
  '040': ['0.3.0', '0.3.1', '0.4.0'],
  '100': ['1.0.0', '1.1.0'],
};

/** The newest version of each family (what a result with an empty cniVersion is assumed to be). */
export const FAMILY_LATEST: Record<ResultFamily, string> = { '020': '0.2.0', '040': '0.4.0', '100': '1.1.0' };

/** Which Go result type handles a version (create.Create's creator lookup); undefined if none. */
export function resultFamily(version: string): ResultFamily | undefined {
  for (const f of ['020', '040', '100'] as const) if (FAMILY_VERSIONS[f].includes(version)) return f;
  return undefined;
}

/**
 * The version a result object speaks. A result built by a plugin without cniVersion is taken
 * as 1.1.0 (Go: a types100.Result with an empty CNIVersion is the implemented 1.1.0).
 */
export function resultVersion(r: Result): string {
  return r.cniVersion || '1.1.0';
}

export function isResult100(r: Result): r is Result100 {
  return resultFamily(resultVersion(r)) === '100';
}

export function isResult040(r: Result): r is Result040 {
  return resultFamily(resultVersion(r)) === '040';
}

export function isResult020(r: Result): r is Result020 {
  return resultFamily(resultVersion(r)) === '020';
}
