// Fallback when the plugin binary cannot be built: each plugin bundled from its sources and run
// by node through a /bin/sh launcher. The launchers carry the `# cni-ts <plugin> plugin:` marker,
// so the chain still runs them in-process.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundlePluginMain } from '../../build/lib/dev-bundle.mjs';

/** Returns the plugins that failed to bundle ({name, error}); they get no launcher. */
export async function bundledLaunchers(root, node, dir, types) {
  mkdirSync(dir, { recursive: true });
  const failed = [];
  for (const name of types) {
    if (!existsSync(join(root, 'packages', name, 'src/main.ts'))) continue;
    let bundle;
    try {
      bundle = await bundlePluginMain(root, name, join(dir, '.bundles'));
    } catch (err) {
      failed.push({ name, error: String(err.message).split('\n')[0] });
      continue;
    }
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\n# cni-ts ${name} plugin: bundled launcher (pnpm demo)\nexec '${node}' '${bundle}' "$@"\n`);
    chmodSync(file, 0o755);
  }
  return failed;
}
