// ESM bundles of the workspace sources for plain `node` (the demo, tests, the bench's fallback):
// the `cni-ts` CLI (packages/chain/src/cli.ts, a chunk per plugin) and a plugin's src/main.ts as
// one file. Sources are resolved with the `source` condition, so a bundle never lags behind them.
// Each bundle installs the catalog of the plugins it may run in-process first (lib/plugins.mjs):
// every plugin for the CLI, the IPAM plugins (or all, for a plugin running the chain) for a
// plugin. koffi (native) stays outside, handed to @cni-ts/netlink through the global it looks up
// first (the hook the single-executable binary uses), loaded from its absolute path on first use.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadRolldown } from './bundle.mjs';
import { resolveTarget } from './target.mjs';
import { CATALOG_MODULE, catalogFor, catalogPlugin, discoverPlugins } from './plugins.mjs';

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

const ENTRY = '\0cni-ts-dev-entry:';

/**
 * `entry` behind a module that installs `catalog` first. The entry is a dynamic import: a bare
 * static one would be dropped from a package declaring `"sideEffects": false`, and awaiting it
 * would hold up the chunks that import modules of the entry chunk (see packages/chain/src/cli.ts).
 */
function entryPlugin(catalog) {
  return [
    catalogPlugin(catalog),
    {
      name: 'cni-ts-dev-entry',
      // The entry keeps its side effects whatever its package's `sideEffects` says: a test's
      // worker (packages/whereabouts/test/node-worker.ts) is all side effects and exports nothing.
      resolveId: (id, importer) => {
        if (id.startsWith(ENTRY)) return id;
        if (importer?.startsWith(ENTRY) && importer.slice(ENTRY.length) === id) return { id, moduleSideEffects: true };
        return null;
      },
      load: (id) =>
        id.startsWith(ENTRY) ? { code: `import ${JSON.stringify(CATALOG_MODULE)};\nvoid import(${JSON.stringify(id.slice(ENTRY.length))});\n`, moduleType: 'js' } : null,
    },
  ];
}

async function build(root, input, catalog, write) {
  const { rolldown } = await loadRolldown(root);
  const koffi = resolveTarget(root).koffi.entry;
  const b = await rolldown({
    input: Object.fromEntries(Object.entries(input).map(([name, file]) => [name, `${ENTRY}${file}`])),
    platform: 'node',
    cwd: root,
    plugins: entryPlugin(catalog),
    resolve: { conditionNames: ['source', 'node', 'import', 'default'] },
    external: (id) => id === 'koffi' || id === koffi,
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
  const catalog = catalogFor(discoverPlugins(root));
  await build(root, { cli: join(root, 'packages/chain/src/cli.ts') }, catalog, { dir: outDir, entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' });
  return join(outDir, 'cli.mjs');
}

/**
 * Writes <outDir>/<dir>.mjs: packages/<dir>/src/main.ts (or `entry`, relative to the package) as
 * one file (a plugin binary, or another entry of the package, run by node).
 */
export async function bundlePluginMain(root, dir, outDir, entry = 'src/main.ts') {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, entry === 'src/main.ts' ? `${dir}.mjs` : `${dir}.${basename(entry).replace(/\.[cm]?ts$/, '')}.mjs`);
  const plugins = discoverPlugins(root);
  const self = plugins.find((p) => p.dir === join(root, 'packages', dir));
  await build(root, { [dir]: join(root, 'packages', dir, entry) }, catalogFor(plugins, self), { file, codeSplitting: false });
  return file;
}

/**
 * Plugin bundles made once for a whole test run (tools/test/run.mjs): the directory named by this
 * variable holds <dir>.mjs for every plugin package, bundled before the root suites start. The
 * test harnesses (testkit's bundlePlugin) take them from there instead of bundling in each test
 * process: a bundle costs ~1 s on the host and 20-30 s in a user-mode-linux guest, and every file
 * of the root suites needs its plugin and the IPAM plugins.
 */
export const SHARED_BUNDLES_ENV = 'CNI_TS_DEV_BUNDLES';

/** Writes <outDir>/<dir>.mjs for every plugin package, one after the other; returns the paths. */
export async function bundleAllPlugins(root, outDir) {
  const files = [];
  for (const p of discoverPlugins(root)) files.push(await bundlePluginMain(root, basename(p.dir), outDir));
  return files;
}

/** The run's shared bundle of packages/<dir>/src/main.ts (bundleAllPlugins), if there is one. */
export function sharedBundle(dir, entry = 'src/main.ts', env = process.env) {
  const shared = env[SHARED_BUNDLES_ENV];
  if (!shared || entry !== 'src/main.ts') return undefined;
  const file = join(shared, `${dir}.mjs`);
  return existsSync(file) ? file : undefined;
}

/** argv running the CLI from its TypeScript sources (Node strips the types; the workspace's hooks resolve extension-less imports and install the catalog). */
export function sourceCliArgv(root, node) {
  const hooks = join(root, 'packages/testkit/src/ts-hooks.mjs');
  return [node, '--conditions=source', '--disable-warning=ExperimentalWarning', '--experimental-transform-types', '--import', hooks, join(root, 'packages/chain/src/cli.ts')];
}
