// Loads an on-demand part of a plugin's bundle (package.json `cni-ts.onDemand`, lib/plugins.mjs): code the build kept out
// of the bundle because V8 holds and pre-parses all of a bundle's source on every exec, even the
// code a command never runs. The part is an asset of its own in the binary, compiled with its own
// code cache the first time the plugin `import()`s it; its exports are the module's namespace.
// Outside the binary (build-time runs under plain `node`) it is read from the build directory.
import { buildDirFile } from './build-dir.ts';

/** The part's code and cache: SEA assets in the binary, the built file under plain node. */
function source(name: string, devPath: string): { code: string; cachedData?: Uint8Array; sea: boolean } {
  let sea: typeof import('node:sea') | undefined;
  try {
    sea = require('node:sea');
  } catch {
    sea = undefined;
  }
  if (!sea?.isSea()) return { code: require('node:fs').readFileSync(buildDirFile(devPath), 'utf8'), sea: false };
  // Asset names as in lib/preamble.mjs (ASSETS).
  return { code: sea.getAsset(`bundle/${name}.js`, 'utf8'), cachedData: new Uint8Array(sea.getRawAsset(`cache/${name}`)), sea: true };
}

/**
 * Compiles and evaluates part `name` and returns its `module.exports`. The part gets the plugin
 * bundle's own `require`, `__filename` and `__dirname` (its CommonJS arguments, see
 * lib/preamble.mjs), as a module inlined in the bundle would.
 */
export function loadPart(name: string, devPath: string): unknown {
  const { code, cachedData, sea } = source(name, devPath);
  const { Script } = require('node:vm') as typeof import('node:vm');
  // Same file name as lib/train.cjs gives it when it makes the cache.
  const script = new Script(code, { filename: `cni-ts-${name}.js`, cachedData });
  if (sea && process.env.CNI_TS_CODE_CACHE_CHECK) process.stderr.write(`code cache ${name} ${script.cachedDataRejected ? 'rejected' : 'accepted'}\n`);
  const mod = { exports: {} as unknown };
  (script.runInThisContext() as (...args: unknown[]) => void)(mod.exports, require, mod, __filename, __dirname);
  return mod.exports;
}
