// Which plugin binaries are ours, so that running their code in-process is running the same
// code: the rule behind in-process runs (see README "In-process runs").
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { hasLauncherMarker, isOwnBinary, sameFile } from '@cni-ts/cni';

/** The multi-call binary's name (tools/build). */
export const MULTI_CALL_BINARY = 'cni-ts-plugins';

/**
 * True when `found` (a plugin found in CNI_PATH) is a cni-ts binary:
 *  - the very file this process runs from (the chain inside the multi-call binary);
 *  - the multi-call binary itself, or a hard link to it beside it (`pnpm cni install`, link mode),
 *    also through symlinks;
 *  - a cni-ts launcher (the native ELF of `pnpm cni install`, the script of `--mode launcher`, or a
 *    source launcher), which carries the line `# cni-ts <plugin> plugin:` in its first 512 bytes.
 * A copy of the binary under another name (copy mode) is not recognised and is exec'd.
 */
export function isCniTsBinary(found: string): boolean {
  if (isOwnBinary(found)) return true;
  let real = found;
  try {
    real = realpathSync(found);
  } catch {
    return false;
  }
  if (path.basename(real) === MULTI_CALL_BINARY) return true;
  for (const dir of new Set([path.dirname(found), path.dirname(real)])) {
    if (sameFile(real, path.join(dir, MULTI_CALL_BINARY))) return true;
  }
  return hasLauncherMarker(real);
}
