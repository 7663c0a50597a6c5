// Bundles the `cni-ts` CLI (packages/chain/src/cli.ts) from the workspace sources into one ESM
// file plus a chunk per plugin (loaded only when a list uses it), for a fast start: sources are
// resolved with the `source` condition, so the bundle never lags behind them; koffi (native)
// stays outside, handed to @cni-ts/netlink through the global it looks up first (the same
// hook the single-executable binary uses), loaded from its absolute path on first use.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadRolldown, resolveKoffi } from './workspace.mjs';

function koffiGlobal(koffiPath) {
  return `import { createRequire as __cniTsRequire } from 'node:module';
{
  const key = Symbol.for('cni-ts.koffi');
  Object.defineProperty(globalThis, key, {
    configurable: true,
    get() {
      const koffi = __cniTsRequire(import.meta.url)(${JSON.stringify(koffiPath)});
      Object.defineProperty(globalThis, key, { value: koffi, configurable: true });
      return koffi;
    },
  });
}
`;
}

async function build(root, input, write) {
  const { rolldown } = await loadRolldown(root);
  const koffi = resolveKoffi(root);
  const b = await rolldown({
    input,
    platform: 'node',
    cwd: root,
    resolve: { conditionNames: ['source', 'node', 'import', 'default'] },
    external: ['koffi'],
    transform: { target: 'node24' },
    logLevel: 'warn',
  });
  try {
    await b.write({ format: 'esm', banner: (chunk) => (chunk.isEntry ? koffiGlobal(koffi) : ''), ...write });
  } finally {
    await b.close();
  }
}

/** Writes <outDir>/cli.mjs (and a chunk per lazily loaded module); returns its path. */
export async function bundleCli(root, outDir) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build(root, { cli: join(root, 'packages/chain/src/cli.ts') }, { dir: outDir, entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' });
  return join(outDir, 'cli.mjs');
}

/** Writes <outDir>/<name>.mjs: packages/<name>/src/main.ts as one file (a plugin binary run by node). */
export async function bundlePluginMain(root, name, outDir) {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${name}.mjs`);
  await build(root, join(root, 'packages', name, 'src/main.ts'), { file, codeSplitting: false });
  return file;
}

/** argv running the CLI from its TypeScript sources (Node strips the types; the workspace's hooks resolve extension-less imports). */
export function sourceCliArgv(root, node) {
  const hooks = join(root, 'packages/cni/test/ts-hooks.mjs');
  return [node, '--conditions=source', '--disable-warning=ExperimentalWarning', '--experimental-transform-types', '--import', hooks, join(root, 'packages/chain/src/cli.ts')];
}
