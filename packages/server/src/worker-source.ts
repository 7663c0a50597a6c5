// The code each worker thread of the pool runs (given to `new Worker(..., { eval: true })`, so it
// is plain CommonJS, kept here as text: inside the single-executable binary there is no file to
// point a Worker at).
//
// A worker serves one request at a time. On a plugin's first request it compiles that plugin's
// bundle (the very asset and V8 code cache the exec'd binary uses) and runs it; the bundle's
// main calls @cni-ts/cni's run(), which, seeing the hook below, hands over the Plugin and that
// bundle's dispatch instead of reading the process's env and stdin. Every later request of that
// plugin in this worker is one dispatch() call.
//
// setns(2) moves only the calling thread, and a worker is a thread of its own: a plugin switching
// namespaces (synchronously, as every plugin does) moves this worker only. After each request the
// worker checks that it is back in the namespace it started in; if not (or if a rejection escaped
// a plugin), it asks to be retired instead of serving another request.
export const WORKER_SOURCE = String.raw`'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const vm = require('node:vm');
const fs = require('node:fs');
const path = require('node:path');
const HOOK = Symbol.for('cni-ts.serve');
const FAILED = Symbol.for('cni-ts.serve-failed');
const INVOKED = Symbol.for('cni-ts.invoked');
const NETNS = '/proc/thread-self/ns/net';
let home = fs.statSync(NETNS).ino;
let entered = false;
const CLONE_NEWNET = 0x40000000;
let setnsFn;
function setns(fd) {
  if (!setnsFn) {
    const koffi = globalThis[Symbol.for('cni-ts.koffi')];
    const lib = koffi.load('libc.so.6');
    const f = lib.func('int setns(int, int)');
    setnsFn = (n) => { if (f(n, CLONE_NEWNET) !== 0) throw new Error('setns: errno ' + koffi.errno()); };
  }
  setnsFn(fd);
}
let tainted = false;
process.on('unhandledRejection', (err) => {
  tainted = true;
  process.stderr.write('cni-ts serve: a plugin left an unhandled rejection: ' + String(err && err.message || err) + '\n');
});

function asset(name) {
  if (workerData.bundleDir) {
    const dir = workerData.bundleDir;
    let cache;
    try { cache = fs.readFileSync(path.join(dir, 'cache', name)); } catch {}
    return { source: fs.readFileSync(path.join(dir, 'bundle', name + '.js'), 'utf8'), cache };
  }
  const sea = require('node:sea');
  return { source: sea.getAsset('bundle/' + name + '.js', 'utf8'), cache: new Uint8Array(sea.getRawAsset('cache/' + name)) };
}

const loaded = new Map();
function load(name) {
  let p = loaded.get(name);
  if (p) return p;
  p = new Promise((resolve, reject) => {
    globalThis[HOOK] = (plugin, dispatch) => resolve({ plugin, dispatch });
    globalThis[FAILED] = reject;
    globalThis[INVOKED] = name;
    const a = asset(name);
    const file = 'cni-ts-' + name + '.js';
    const script = new vm.Script(a.source, { filename: file, cachedData: a.cache });
    const mod = { exports: {} };
    // __filename/__dirname as in the binary's main script: the binary itself.
    script.runInThisContext()(mod.exports, require, mod, process.execPath, path.dirname(process.execPath));
  });
  p.catch(() => loaded.delete(name));
  loaded.set(name, p);
  return p;
}

function setEnv(env) {
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, env);
}

async function serve(m) {
  let loadedPlugin;
  try {
    loadedPlugin = await load(m.plugin);
  } catch (err) {
    // What the exec'd binary does when a bundle fails to load (runtime/entry.ts).
    return { status: 1, stdout: '', stderr: String(err && err.message || err) + '\n' };
  }
  setEnv(m.env);
  // The caller runs in another network namespace than the server: the plugin runs in the
  // caller's, as the exec'd binary would (its own switches to CNI_NETNS and back return there).
  // This worker then stays there for good: the pool gives it callers of that namespace only.
  if (m.netnsFd !== undefined && !entered) {
    setns(m.netnsFd);
    entered = true;
    home = fs.statSync(NETNS).ino;
  }
  const out = await loadedPlugin.dispatch(loadedPlugin.plugin, { env: { ...m.env }, stdin: m.stdin });
  return { status: out.exitCode, stdout: out.stdout, stderr: out.stderr };
}

parentPort.on('message', (m) => {
  if (m.preload) {
    for (const name of m.preload) load(name).catch(() => {});
    return;
  }
  serve(m).then((out) => {
    let moved = false;
    try { moved = fs.statSync(NETNS).ino !== home; } catch { moved = true; }
    parentPort.postMessage({ id: m.id, ...out, retire: moved || tainted });
  }, (err) => {
    parentPort.postMessage({ id: m.id, status: 1, stdout: '', stderr: String(err && err.stack || err) + '\n', retire: true });
  });
});
`;
