// Installs Multus's binaries into the host's CNI bin dir atomically.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { installFileAtomic } from '@cni-ts/cni';

/** Copies each source into binDir under its own base name; a missing source is an error. */
export function installBinaries(sources: string[], binDir: string): string[] {
  if (!existsSync(binDir)) throw new Error(`the CNI bin dir ${binDir} does not exist`);
  return sources.map((src) => {
    if (!existsSync(src)) throw new Error(`the binary ${src} does not exist`);
    const dest = path.join(binDir, path.basename(src));
    try {
      installFileAtomic(src, dest);
    } catch (err) {
      throw new Error(`failed to install ${src} as ${dest}: ${(err as Error).message}`, { cause: err });
    }
    return dest;
  });
}
