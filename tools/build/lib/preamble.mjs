// The single-executable binary's main script: a few dozen lines, so that Node has almost nothing
// to load before it can answer VERSION. The bundle with every plugin is an SEA asset, compiled
// only when a command needs it.
//
// 1. The preamble picks the plugin this process is invoked as and, for VERSION, writes the bytes
//    that plugin's skeleton would write (captured at build time by running the real skeleton,
//    see build.mjs) and returns. Nothing else is loaded for VERSION.
// 2. The loader compiles the bundle asset with its V8 code cache (another asset) and runs it.
//
// The name is, in order: basename(argv0) (what a runtime exec'ing /opt/cni/bin/<plugin> passes,
// and what a symlink preserves), basename(execPath) (a hard link or copy invoked with an odd
// argv0), argv[2] (the explicit form `cni-ts-plugins <plugin>`; argv[1] is the binary itself in
// an SEA, or the script under plain `node`).

export const INVOKED = "Symbol.for('cni-ts.invoked')";
/** Asset names inside the binary. */
export const ASSETS = { bundle: 'bundle.js', cache: 'bundle.cache' };
/** The bundle asset is one function expression taking CommonJS's module arguments. */
export const wrapBundle = (code) => `(function (exports, require, module, __filename, __dirname) {\n${code}\n})`;
/** The name V8 sees for the bundle (stack traces, code cache). */
export const BUNDLE_FILENAME = 'cni-ts-plugins.js';

/**
 * @param {string[]} names plugins in the bundle
 * @param {Record<string, string>} versions plugin -> exact VERSION output; omit a plugin to let
 *   its skeleton answer
 */
export function preamble(names, versions) {
  const table = Object.fromEntries(Object.entries(versions).filter(([n]) => names.includes(n)));
  return `'use strict';
var __cniTsInvoked = (function (names) {
  var base = function (p) { p = String(p || ''); return p.slice(p.lastIndexOf('/') + 1); };
  var candidates = [base(process.argv0), base(process.execPath), process.argv[2]];
  for (var i = 0; i < candidates.length; i++) if (names.indexOf(candidates[i]) >= 0) return candidates[i];
  return null;
})(${JSON.stringify(names)});
globalThis[${INVOKED}] = __cniTsInvoked;
// CNI_TS_NO_EARLY_VERSION makes the skeleton answer (to compare the two, see docs/perf.md).
if (process.env.CNI_COMMAND === 'VERSION' && __cniTsInvoked !== null && !process.env.CNI_TS_NO_EARLY_VERSION) {
  var __cniTsVersion = ${JSON.stringify(table)}[__cniTsInvoked];
  if (__cniTsVersion !== undefined) {
    try {
      require('fs').writeSync(1, __cniTsVersion);
      return;
    } catch (e) {
      // stdout unusable here: let the skeleton answer (and report the failure) as usual.
    }
  }
}
`;
}

/** Compiles the bundle asset with its code cache and runs it (SEA only). */
export const LOADER = `var __cniTsSea = require('node:sea');
var __cniTsScript = new (require('node:vm').Script)(__cniTsSea.getAsset(${JSON.stringify(ASSETS.bundle)}, 'utf8'), {
  filename: ${JSON.stringify(BUNDLE_FILENAME)},
  cachedData: new Uint8Array(__cniTsSea.getRawAsset(${JSON.stringify(ASSETS.cache)})),
});
if (process.env.CNI_TS_CODE_CACHE_CHECK) process.stderr.write('code cache ' + (__cniTsScript.cachedDataRejected ? 'rejected' : 'accepted') + '\\n');
__cniTsScript.runInThisContext()(exports, require, module, __filename, __dirname);
`;

/** The whole SEA main script. */
export function seaMain(names, versions) {
  return preamble(names, versions) + LOADER;
}
