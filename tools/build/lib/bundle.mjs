// Bundles the multi-call binary's entry and every plugin's src/main.ts into ONE CommonJS file.
// One file because the SEA runs a single script (its require() sees only built-ins) and because
// its code cache rules out import(); CommonJS because the SEA main must be a script. Dynamic
// imports are inlined as lazily initialised modules, so a plugin's code (and zod, koffi,
// netlink) is evaluated only when the process actually runs that plugin. The exception is a
// plugin's on-demand modules (package.json `cni-ts.onDemand`, lib/plugins.mjs): each is bundled apart (bundlePart) and
// its `import()` reaches a stub that loads that bundle from its own asset (runtime/on-demand.ts).
import { builtinModules, createRequire } from 'node:module';
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { catalogPlugin } from './plugins.mjs';

const here = import.meta.dirname;
export const runtimeDir = join(here, '../runtime');

/** rolldown as pinned by the workspace's tsdown (the tools package does not depend on it twice). */
export async function loadRolldown(root) {
  const fromRoot = createRequire(join(root, 'package.json'));
  const tsdownDir = dirname(realpathSync(fromRoot.resolve('tsdown/package.json')));
  const fromTsdown = createRequire(join(tsdownDir, 'package.json'));
  return import(pathToFileURL(fromTsdown.resolve('rolldown')).href);
}

const BUILTIN = '\0builtin:';
const isBuiltin = (id) => id.startsWith('node:') || builtinModules.includes(id.split('/')[0]);

/** Source of the generated registry: plugin name -> lazy import of its main module. */
export function registrySource(plugins, parts = []) {
  const rows = plugins.map((p) => `  ${JSON.stringify(p.name)}: () => import(${JSON.stringify(p.main)}),`);
  // The on-demand parts, so that the build's check can load them (runtime/entry.ts).
  const partRows = parts.map((p) => `  ${JSON.stringify(p.name)}: () => import(${JSON.stringify(`${PART}${p.name}`)}),`);
  return `export const plugins = {\n${rows.join('\n')}\n};\nexport const parts = {\n${partRows.join('\n')}\n};\n`;
}

/**
 * The on-demand parts of `plugins` (package.json `cni-ts.onDemand`, lib/plugins.mjs): `{name, plugin, spec}`, named
 * `<plugin>.<part>` (also their asset names).
 */
export function partsOf(plugins) {
  return plugins.flatMap((p) => Object.entries(p.onDemand ?? {}).map(([part, spec]) => ({ name: `${p.name}.${part}`, plugin: p, spec })));
}

/**
 * Source of the module that stands in for an on-demand part inside its plugin's bundle: it loads
 * the part's own asset (or, outside the binary, the file `devPath`) and is what the part's
 * exports are. Being an inlined dynamic import, it runs when the plugin's `import()` first runs.
 */
export function partStubSource(name, devPath) {
  const loader = JSON.stringify(join(runtimeDir, 'on-demand.ts'));
  return `module.exports = require(${loader}).loadPart(${JSON.stringify(name)}, ${JSON.stringify(devPath)});\n`;
}

const PART = 'virtual:cni-ts-part:';

/** Routes Node built-ins through one tiny CommonJS module each (see bundle()). */
function builtinRoute(id, importer) {
  return isBuiltin(id) && !importer?.startsWith(BUILTIN) ? `${BUILTIN}${id.replace(/^node:/, '')}` : null;
}
const builtinModule = (id) => ({ code: `module.exports = require(${JSON.stringify(`node:${id.slice(BUILTIN.length)}`)});\n`, moduleType: 'js' });

/**
 * @param {object} o
 * @param {string} o.root workspace root
 * @param {{name: string, main: string}[]} o.plugins
 * @param {{name: string, plugin?: string}[]} [o.catalog] the plugins this bundle may run in-process (lib/plugins.mjs catalogFor)
 * @param {{asset: string, stem: string, sha256: string, devPath: string, entry: string}} o.koffi
 * @param {string} [o.nativePkg] the koffi native package koffi's loader asks for on the target
 * @param {boolean} [o.minify]
 * @param {(name: string) => string} [o.partFile] where an on-demand part's bundle is outside the
 *   binary (build-time runs under plain node)
 * @returns {Promise<string>} the bundle's code
 */
export async function bundle({ root, plugins, koffi, nativePkg = `@koromix/koffi-linux-${process.arch}`, minify = false, catalog = [], partFile = (n) => n }) {
  const { rolldown } = await loadRolldown(root);
  const VIRTUAL = 'virtual:cni-ts-plugins';
  const mains = new Set(plugins.map((p) => p.main));
  const parts = partsOf(plugins);
  const partBySpec = new Map(parts.map((p) => [p.spec, p.name]));
  const cniTsResolve = {
    name: 'cni-ts-binary',
    resolveId(id, importer) {
      if (id === VIRTUAL) return `\0${VIRTUAL}`;
      if (id.startsWith(PART)) return `\0${id}`;
      // An on-demand module is not bundled: a stub loads its own asset (partStubSource).
      if (partBySpec.has(id)) return `\0${PART}${partBySpec.get(id)}`;
      // Node built-ins imported by ESM code would be hoisted to the top of a CommonJS bundle and
      // loaded by every command (node:child_process alone costs ~5 ms). Routed through a tiny
      // CommonJS module each, they load when the module that imports them is first evaluated.
      const builtin = builtinRoute(id, importer);
      if (builtin) return builtin;
      if (id === 'koffi') return koffi.entry;
      if (id === nativePkg) return join(runtimeDir, 'koffi-native.cjs');
      // koffi's loader tries every platform's package inside try/catch; only ours is bundled.
      if (id.startsWith('@koromix/koffi-')) return { id, external: true };
      return null;
    },
    load(id) {
      if (id === `\0${VIRTUAL}`) return registrySource(plugins, parts);
      if (id.startsWith(`\0${PART}`)) {
        const name = id.slice(PART.length + 1);
        return { code: partStubSource(name, partFile(name)), moduleType: 'js' };
      }
      if (id.startsWith(BUILTIN)) return builtinModule(id);
      return null;
    },
    transform(code, id) {
      if (!mains.has(id)) return null;
      // A plugin's main.ts may be `await run(plugin);`. Top-level await cannot exist in a
      // CommonJS bundle, and run() never settles (it exits the process), so the await changes
      // nothing: drop it. Any other top-level await still fails the build, as it should.
      const out = code.replace(/^(\s*)await\s+(?=run\()/gm, '$1');
      return out === code ? null : { code: out };
    },
  };
  const build = await rolldown({
    input: join(runtimeDir, 'entry.ts'),
    platform: 'node',
    cwd: root,
    plugins: [catalogPlugin(catalog), cniTsResolve],
    resolve: { conditionNames: ['source', 'node', 'require', 'import', 'default'] },
    transform: {
      target: 'node24',
      define: {
        __CNI_TS_KOFFI__: JSON.stringify({
          asset: koffi.asset,
          stem: koffi.stem,
          sha256: koffi.sha256,
          devPath: koffi.devPath,
        }),
      },
    },
    logLevel: 'warn',
    onLog(level, log, handler) {
      // Unresolvable optional platform packages are expected (see above); everything else counts.
      if (log.code === 'UNRESOLVED_IMPORT' && String(log.message).includes('@koromix/')) return;
      handler(level, log);
    },
  });
  try {
    const { output } = await build.generate({
      format: 'cjs',
      codeSplitting: false,
      minify,
      // The bundle becomes a function body (see preamble.mjs): its directive makes it strict.
      strict: true,
    });
    if (output.length !== 1) throw new Error(`expected one chunk, got ${output.length}`);
    return output[0].code;
  } finally {
    await build.close();
  }
}

/**
 * Bundles one on-demand part (partsOf) into a CommonJS file whose `module.exports` is the
 * module's namespace, resolved from its plugin's main as the plugin's own `import()` would be.
 * @param {object} o
 * @param {string} o.root
 * @param {{name: string, plugin: {main: string}, spec: string}} o.part
 * @param {boolean} [o.minify]
 * @returns {Promise<string>}
 */
export async function bundlePart({ root, part, minify = false }) {
  const { rolldown } = await loadRolldown(root);
  const ENTRY = `\0cni-ts-part-entry:${part.name}`;
  const build = await rolldown({
    input: ENTRY,
    platform: 'node',
    cwd: root,
    plugins: [
      {
        name: 'cni-ts-part',
        async resolveId(id, importer) {
          if (id === ENTRY) return ENTRY;
          if (importer === ENTRY) return this.resolve(id, part.plugin.main, { skipSelf: true });
          return builtinRoute(id, importer);
        },
        load(id) {
          if (id === ENTRY) return { code: `module.exports = require(${JSON.stringify(part.spec)});\n`, moduleType: 'js' };
          if (id.startsWith(BUILTIN)) return builtinModule(id);
          return null;
        },
      },
    ],
    resolve: { conditionNames: ['source', 'node', 'require', 'import', 'default'] },
    transform: { target: 'node24' },
    logLevel: 'warn',
  });
  try {
    const { output } = await build.generate({ format: 'cjs', codeSplitting: false, minify, strict: true });
    if (output.length !== 1) throw new Error(`${part.name}: expected one chunk, got ${output.length}`);
    return output[0].code;
  } finally {
    await build.close();
  }
}
