// Locating workspace tools the demo uses without depending on them twice.
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** rolldown as pinned by the workspace's tsdown. */
export async function loadRolldown(root) {
  const fromRoot = createRequire(join(root, 'package.json'));
  const tsdownDir = dirname(realpathSync(fromRoot.resolve('tsdown/package.json')));
  const fromTsdown = createRequire(join(tsdownDir, 'package.json'));
  return import(pathToFileURL(fromTsdown.resolve('rolldown')).href);
}

/** koffi's entry (a dependency of @cni-ts/netlink). */
export function resolveKoffi(root) {
  return realpathSync(createRequire(join(root, 'packages/netlink/package.json')).resolve('koffi'));
}
