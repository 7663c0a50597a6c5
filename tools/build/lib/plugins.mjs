// THE plugin list: every workspace package with a `src/main.ts` (its whole binary entry, see
// packages/cni/README.md "Writing a plugin") is a plugin. The build, the chain's in-process
// catalog, the installer, the bench, the code-cache training and the README table all read this;
// nothing lists plugins by hand, so adding a plugin touches only its own package.
//
// Per plugin, from its package.json: the binary name (its first `bin` key, else the directory
// name), `description`, and the optional `cni-ts` key:
//   kind        "main" (default) | "ipam" | "meta"
//   inProcess   false: never run in-process (not in any catalog), for a plugin too heavy to ride
//               along (whereabouts); default true. The bundle of every plugin carries the IPAM
//               plugins that may, so that delegating to them costs no second process
//   training    {ifname, config, commands?}: the request the build trains the code cache on
//               (lib/training.mjs); `"ipam": {"type": "train-ipam"}` is the build's IPAM stub
//   onDemand    {part: specifier}: modules kept out of the plugin's bundle (see tools/build/README.md)
// A package that depends on @cni-ts/chain (Multus) runs delegates through it: its bundle carries
// every plugin of the catalog; the others carry the IPAM plugins only.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Programs the binary runs as `cni-ts-plugins <name> [args]` besides its plugins: bundled like a
 * plugin (koffi, lazy built-ins, code cache), with no VERSION answer, and their argv is their own
 * (the preamble drops the name). `install`: a command for people and scripts, installed beside
 * the plugins as a launcher named after it (pnpm cni install, release tarballs): the `cni-ts` CLI.
 * `catalog`: runs plugins in-process through the chain (the CLI, the multus daemon), so its bundle
 * carries every plugin of the catalog.
 */
export function programs(root) {
  const all = [
    { name: 'serve', package: '@cni-ts/server', main: join(root, 'packages/server/src/serve.ts') },
    { name: 'cni-ts', package: '@cni-ts/chain', main: join(root, 'packages/chain/src/cli.ts'), install: true, catalog: true },
    // Multus thick mode's in-pod programs (the thick image runs them from the binary).
    { name: 'multus-daemon', package: '@cni-ts/multus-thick', main: join(root, 'packages/multus-thick/src/daemon-main.ts'), catalog: true },
    { name: 'multus-entrypoint', package: '@cni-ts/multus-thick', main: join(root, 'packages/multus-thick/src/entrypoint-main.ts') },
  ];
  return all.filter((p) => existsSync(p.main)).map((p) => ({ ...p, onDemand: {} }));
}

/**
 * @typedef {object} PluginInfo
 * @property {string} name binary name (what a config's `type` says)
 * @property {string} dir the package directory (absolute)
 * @property {string} package the package name
 * @property {string} description
 * @property {'main' | 'ipam' | 'meta'} kind
 * @property {string} main src/main.ts (absolute)
 * @property {string | undefined} plugin src/plugin.ts (absolute), whose default export is the Plugin
 * @property {string | undefined} index src/index.ts (absolute)
 * @property {Record<string, string>} onDemand
 * @property {{ifname: string, config: object, commands?: string[]} | undefined} training
 * @property {boolean} inProcess may run in-process (be in a catalog)
 * @property {boolean} usesChain the package depends on @cni-ts/chain
 */

/** @returns {PluginInfo[]} sorted by name */
export function discoverPlugins(root) {
  const dir = join(root, 'packages');
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const pkgDir = join(dir, entry.name);
    const main = join(pkgDir, 'src/main.ts');
    if (!existsSync(main)) continue;
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    const meta = pkg['cni-ts'] ?? {};
    const bins = typeof pkg.bin === 'object' && pkg.bin ? Object.keys(pkg.bin) : [];
    const file = (f) => (existsSync(join(pkgDir, f)) ? join(pkgDir, f) : undefined);
    found.push({
      name: bins[0] ?? entry.name,
      dir: pkgDir,
      package: pkg.name,
      description: pkg.description ?? '',
      kind: meta.kind ?? 'main',
      main,
      plugin: file('src/plugin.ts'),
      index: file('src/index.ts'),
      onDemand: meta.onDemand ?? {},
      training: meta.training,
      inProcess: meta.inProcess !== false,
      usesChain: Boolean(pkg.dependencies?.['@cni-ts/chain']),
    });
  }
  return found.toSorted((a, b) => a.name.localeCompare(b.name));
}

/**
 * The plugins a process of `self` may run in-process (its catalog, see catalogSource): every
 * plugin with a plugin module when `self` runs delegates through the chain, else the IPAM ones;
 * never itself. Without `self` (the CLI, tests): every plugin with a plugin module.
 * @param {PluginInfo[]} plugins
 * @param {PluginInfo} [self]
 */
export function catalogFor(plugins, self) {
  return plugins.filter((p) => p.plugin && p.inProcess && p !== self && (!self || self.usesChain || p.kind === 'ipam'));
}

/**
 * Source of a module that installs the catalog: type -> a loader of the plugin module, as
 * @cni-ts/cni's registry reads it (`setPluginCatalog`). Each loader is a dynamic import, which a
 * bundler turns into a lazily evaluated module (or a chunk of its own).
 * @param {{name: string, plugin?: string}[]} plugins
 */
export function catalogSource(plugins) {
  const rows = plugins.filter((p) => p.plugin).map((p) => `  ${JSON.stringify(p.name)}: () => import(${JSON.stringify(p.plugin)}),`);
  return `globalThis[Symbol.for('cni-ts.plugins')] = {\n${rows.join('\n')}\n};\n`;
}

export const CATALOG_MODULE = 'virtual:cni-ts-catalog';

/**
 * A rolldown plugin resolving `virtual:cni-ts-catalog` to catalogSource(plugins): a bundle that
 * imports it (first) runs our plugins in-process, each from its own lazily loaded module.
 */
export function catalogPlugin(plugins) {
  return {
    name: 'cni-ts-catalog',
    resolveId: (id) => (id === CATALOG_MODULE ? `\0${CATALOG_MODULE}` : null),
    load: (id) => (id === `\0${CATALOG_MODULE}` ? { code: catalogSource(plugins), moduleType: 'js' } : null),
  };
}

/** The on-demand parts of the builder's test plugins (see `onDemand`). */
const FIXTURE_ON_DEMAND = { 'stand-in': { extra: './part' } };

/** The builder's own test plugins (tools/build/test/fixtures/<name>/main.ts). */
export function fixturePlugins(root) {
  const dir = join(root, 'tools/build/test/fixtures');
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'main.ts')))
    .map((e) => ({
      name: e.name,
      dir: join(dir, e.name),
      package: `fixture:${e.name}`,
      description: '',
      kind: 'main',
      main: join(dir, e.name, 'main.ts'),
      plugin: undefined,
      index: undefined,
      onDemand: FIXTURE_ON_DEMAND[e.name] ?? {},
      training: undefined,
      inProcess: false,
      usesChain: false,
    }));
}

