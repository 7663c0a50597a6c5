// Build-time runner of a plugin's bundle under plain `node`, the way the binary's loader runs it:
//   node train.cjs <bundle.js> <cache-in|-> <cache-out|-> <plugin> [--compile-only]
// It compiles the bundle (with cache-in, if any), runs it as <plugin> (unless --compile-only),
// and on exit writes V8's code cache to cache-out. Functions compiled while running are in that
// cache, so each run adds to what the previous one learned (build.mjs chains them).
// Doubles as the VERSION probe: with CNI_COMMAND=VERSION it prints what the skeleton prints.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { dirname, resolve } = require('node:path');
const vm = require('node:vm');

const [bundleFile, cacheIn, cacheOut, name, mode] = process.argv.slice(2);
// The build directory (<dir>/bundle/<name>.js): where the bundle finds its parts and koffi's
// native module (runtime/build-dir.ts).
globalThis[Symbol.for('cni-ts.build-dir')] = dirname(dirname(resolve(bundleFile)));
const script = new vm.Script(readFileSync(bundleFile, 'utf8'), {
  // Must match the loader's (lib/preamble.mjs).
  filename: `cni-ts-${name}.js`,
  cachedData: cacheIn && cacheIn !== '-' ? readFileSync(cacheIn) : undefined,
});
if (cacheOut && cacheOut !== '-') process.on('exit', () => writeFileSync(cacheOut, script.createCachedData()));
if (mode !== '--compile-only') {
  globalThis[Symbol.for('cni-ts.invoked')] = name;
  script.runInThisContext()(exports, require, module, __filename, __dirname);
}
