// libcni's choice of a list's spec version from cniVersion and cniVersions (spec 1.1).
import { CURRENT_VERSION, versionGt } from '../version';

/**
 * When cniVersions is present, every entry must parse, entries newer than this library's
 * spec (1.1.0) are dropped, cniVersion joins them (it must then parse too, and is dropped when
 * newer), and the highest wins. With nothing left, or without cniVersions, cniVersion is used
 * verbatim (even junk). Errors use libcni's texts.
 */
export function selectListVersion(cniVersion: string | undefined, cniVersions: readonly string[] | undefined): string {
  let selected = cniVersion ?? '';
  if (cniVersions === undefined) return selected;
  const candidates: string[] = [];
  cniVersions.forEach((v, i) => {
    let newer: boolean;
    try {
      newer = versionGt(v, CURRENT_VERSION);
    } catch (err) {
      throw new Error(`error parsing configuration list: invalid cniVersions entry ${v} at index ${i}: ${(err as Error).message}`, { cause: err });
    }
    if (!newer) candidates.push(v);
  });
  if (selected !== '') {
    let newer: boolean;
    try {
      newer = versionGt(selected, CURRENT_VERSION);
    } catch (err) {
      throw new Error(`error parsing configuration list: invalid cniVersion ${selected}: ${(err as Error).message}`, { cause: err });
    }
    if (!newer) candidates.push(selected);
  }
  return candidates.length ? candidates.reduce((best, v) => (versionGt(v, best) ? v : best)) : selected;
}
