// The single-executable binary's main script: a few dozen lines, so that Node has almost nothing
// to load before it can answer VERSION. Each plugin's bundle is an SEA asset of its own, compiled
// only when a command of that plugin needs it.
//
// 1. The preamble picks the plugin this process is invoked as and, for VERSION, writes the bytes
//    that plugin's skeleton would write (captured at build time by running the real skeleton,
//    see build.mjs) and returns. Nothing else is loaded for VERSION. A name we do not provide is
//    answered here too (a CNI error when run as a plugin, usage otherwise).
// 2. The loader compiles that plugin's bundle asset with its V8 code cache (another asset) and
//    runs it. One bundle per plugin: a loopback ADD never reads Multus's Kubernetes client.
//
// The name is, in order: basename(argv0) (what a runtime exec'ing /opt/cni/bin/<plugin> passes,
// and what a symlink preserves), basename(execPath) (a hard link or copy invoked with an odd
// argv0), argv[2] (the explicit form `cni-ts-plugins <plugin>`; argv[1] is the binary itself in
// an SEA, or the script under plain `node`).

export const INVOKED = "Symbol.for('cni-ts.invoked')";
/** What the binary is: {version, commit, node, arch}, for @cni-ts/cni's CNI_TS_COMMIT. */
export const RELEASE = "Symbol.for('cni-ts.release')";
/**
 * The build id and the names of the plugins in the binary, for programs (the resident server).
 * Not 'cni-ts.plugins': that is the in-process catalog every bundle installs (lib/plugins.mjs
 * catalogSource), which replaced this list once and left `serve` without plugins.
 */
export const BUILD = "Symbol.for('cni-ts.build')";
export const NAMES = "Symbol.for('cni-ts.plugin-names')";
/** Asset names inside the binary, per plugin. */
export const ASSETS = { bundle: (name) => `bundle/${name}.js`, cache: (name) => `cache/${name}` };
/** The bundle asset is one function expression taking CommonJS's module arguments. */
export const wrapBundle = (code) => `(function (exports, require, module, __filename, __dirname) {\n${code}\n})`;

/**
 * @param {string[]} names plugins in the bundle
 * @param {Record<string, string>} versions plugin -> exact VERSION output; omit a plugin to let
 *   its skeleton answer
 * @param {object} [extra]
 * @param {string[]} [extra.programs] programs (lib/plugins.mjs `programs`)
 * @param {string} [extra.buildId]
 * @param {{version?: string, commit?: string, node?: string, arch?: string}} [extra.info] what
 *   `cni-ts-plugins --version` prints
 */
export function preamble(names, versions, { programs = [], buildId = '', info = {} } = {}) {
  const table = Object.fromEntries(Object.entries(versions).filter(([n]) => names.includes(n)));
  const version = `cni-ts-plugins v${info.version ?? '0.0.0'}\ncommit: ${info.commit ?? 'unknown'}\nnode: ${info.node ?? 'unknown'}\nplatform: linux/${info.arch ?? 'unknown'}\n`;
  return `'use strict';
// A plugin or a program, by name. \`cni-ts-plugins <program> args\` (serve, the resident server;
// cni-ts, the CLI) runs a program bundle, whose argv is its own: the name is dropped from it.
var __cniTsInvoked = (function (names, programs) {
  var base = function (p) { p = String(p || ''); return p.slice(p.lastIndexOf('/') + 1); };
  var candidates = [base(process.argv0), base(process.execPath), process.argv[2]];
  for (var i = 0; i < candidates.length; i++) {
    if (names.indexOf(candidates[i]) >= 0) return candidates[i];
    if (programs.indexOf(candidates[i]) < 0) continue;
    if (i === 2) process.argv.splice(2, 1);
    return candidates[i];
  }
  return null;
})(${JSON.stringify(names)}, ${JSON.stringify(programs)});
// Programs learn the build id and the plugins from these globals.
globalThis[${BUILD}] = ${JSON.stringify(buildId)};
globalThis[${RELEASE}] = ${JSON.stringify(info)};
globalThis[${NAMES}] = ${JSON.stringify(names)};
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
if (__cniTsInvoked === null) {
  var __cniTsList = ${JSON.stringify(names)}.join(', ');
  var __cniTsArg = process.argv[2];
  if (process.env.CNI_COMMAND) {
    // A runtime exec'd us under a name we do not provide: answer in the CNI error format.
    var __cniTsSelf = String(process.argv0 || '').slice(String(process.argv0 || '').lastIndexOf('/') + 1);
    process.stdout.write(JSON.stringify({ cniVersion: '1.1.0', code: 999, msg: 'unknown plugin "' + __cniTsSelf + '": this binary provides ' + __cniTsList }) + '\\n');
    process.exitCode = 1;
  } else if (__cniTsArg === '--version' || __cniTsArg === 'version') {
    process.stdout.write(${JSON.stringify(version)});
  } else if (__cniTsArg === '--list' || __cniTsArg === 'list') {
    process.stdout.write(${JSON.stringify(names)}.join('\\n') + '\\n');
  } else {
    process.stderr.write('usage: cni-ts-plugins <plugin>   (or install it as /opt/cni/bin/<plugin>)\\n' +
      '       cni-ts-plugins --version | --list\\n' +
      (__cniTsArg ? 'unknown plugin "' + __cniTsArg + '"; ' : '') + 'plugins: ' + __cniTsList + '\\n');
    process.exitCode = 1;
  }
  return;
}
`;
}

/** Compiles the invoked plugin's bundle asset with its code cache and runs it (SEA only). */
export const LOADER = `var __cniTsSea = require('node:sea');
var __cniTsScript = new (require('node:vm').Script)(__cniTsSea.getAsset('bundle/' + __cniTsInvoked + '.js', 'utf8'), {
  filename: 'cni-ts-' + __cniTsInvoked + '.js',
  cachedData: new Uint8Array(__cniTsSea.getRawAsset('cache/' + __cniTsInvoked)),
});
if (process.env.CNI_TS_CODE_CACHE_CHECK) process.stderr.write('code cache ' + (__cniTsScript.cachedDataRejected ? 'rejected' : 'accepted') + '\\n');
__cniTsScript.runInThisContext()(exports, require, module, __filename, __dirname);
`;

/** The whole SEA main script. */
export function seaMain(names, versions, extra = {}) {
  return preamble(names, versions, extra) + LOADER;
}
