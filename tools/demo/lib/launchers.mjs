// Fallback when the binary cannot be built: a /bin/sh launcher per plugin that runs its
// TypeScript main from source. They carry the `# cni-ts <plugin> plugin:` marker, so the chain
// still runs them in-process.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PLUGINS = ['bridge', 'host-device', 'host-local', 'ipvlan', 'loopback', 'macvlan', 'route-override', 'static', 'tuning'];

export function sourceLaunchers(root, node, dir) {
  mkdirSync(dir, { recursive: true });
  const hooks = join(root, 'packages/cni/test/ts-hooks.mjs');
  for (const name of PLUGINS) {
    const main = join(root, 'packages', name, 'src/main.ts');
    if (!existsSync(main)) continue;
    const file = join(dir, name);
    const argv = [node, '--conditions=source', '--disable-warning=ExperimentalWarning', '--experimental-transform-types', '--import', hooks, main];
    writeFileSync(file, `#!/bin/sh\n# cni-ts ${name} plugin: source launcher (pnpm demo)\nexec ${argv.map((a) => `'${a}'`).join(' ')} "$@"\n`);
    chmodSync(file, 0o755);
  }
}
