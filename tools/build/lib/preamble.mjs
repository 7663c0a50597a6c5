// The first lines of the multi-call bundle. They run before any module of the bundle is
// evaluated: pick the plugin this process is invoked as, and if the command is VERSION, write
// the bytes that plugin's skeleton would write (captured at build time by running the real
// skeleton, see build.mjs) and return. Nothing else is loaded for VERSION.
//
// The name is, in order: basename(argv0) (what a runtime exec'ing /opt/cni/bin/<plugin> passes,
// and what a symlink preserves), basename(execPath) (a hard link or copy invoked with an odd
// argv0), argv[2] (the explicit form `cni-ts-plugins <plugin>`; argv[1] is the binary itself in
// an SEA, or the script under plain `node`).

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
globalThis[Symbol.for('cni-ts.invoked')] = __cniTsInvoked;
if (process.env.CNI_COMMAND === 'VERSION' && __cniTsInvoked !== null) {
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

/** Joins the preamble and a CommonJS bundle (whose own 'use strict' stays harmless below). */
export function withPreamble(bundle, names, versions) {
  return preamble(names, versions) + bundle;
}
