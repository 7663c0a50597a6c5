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
//
// A caller in another mount namespace (a runtime with its own /run/netns and /var/lib): for that
// request the worker works in a private copy of the caller's mounts, so every path the plugin and
// the delegates it execs use (CNI_NETNS, dataDir, CNI_PATH, sockets) is the caller's. It has its
// own fs_struct first (unshare CLONE_FS: setns into a mount namespace needs one, and a thread
// shares its process's), enters the caller's mount namespace, unshares a copy (made a slave, so
// nothing it mounts reaches the caller), and mounts a procfs of the server's pid namespace on
// /proc in it: the caller's may belong to another pid namespace, where /proc/thread-self does
// not exist for this thread. Afterwards it returns to the server's mounts, and the copy is gone
// (nothing keeps the caller's mounts, its namespace files included, alive). The plugin's bundle
// and koffi are loaded before, from the server's mounts. Plugins do their file work
// synchronously on this thread (libuv's pool threads stay in the server's mounts).
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
const CLONE_NEWNET = 0x40000000, CLONE_NEWNS = 0x20000, CLONE_FS = 0x200;
const MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REC = 0x4000, MS_SLAVE = 0x80000;
let sys;
function libc() {
  if (!sys) {
    const koffi = globalThis[Symbol.for('cni-ts.koffi')];
    const lib = koffi.load('libc.so.6');
    sys = {
      setns: lib.func('int setns(int, int)'),
      unshare: lib.func('int unshare(int)'),
      mount: lib.func('int mount(const char *, const char *, const char *, unsigned long, void *)'),
      errno: () => koffi.errno(),
    };
  }
  return sys;
}
function check(r, what) {
  if (r !== 0) throw new Error('cni-ts serve: ' + what + ': errno ' + libc().errno());
}
function setns(fd) {
  check(libc().setns(fd, CLONE_NEWNET), 'entering the caller\'s network namespace');
}
// The server's mount namespace, to return to after a request made in a copy of a caller's.
const ownMounts = fs.openSync('/proc/thread-self/ns/mnt', 'r');
let fsOwn = false;
let inCopy = false;
function enterMounts(fd) {
  const c = libc();
  if (!fsOwn) {
    check(c.unshare(CLONE_FS), 'unshare(CLONE_FS)');
    fsOwn = true;
  }
  inCopy = true;
  check(c.setns(fd, CLONE_NEWNS), 'entering the caller\'s mount namespace');
  check(c.unshare(CLONE_NEWNS), 'copying the caller\'s mounts');
  check(c.mount(null, '/', null, MS_REC | MS_SLAVE, null), 'making the copy a slave');
  check(c.mount('proc', '/proc', 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC, null), 'mounting /proc in the copy');
}
function leaveMounts() {
  if (!inCopy) return;
  check(libc().setns(ownMounts, CLONE_NEWNS), 'returning to the server\'s mount namespace');
  inCopy = false;
}
// CNI_NETNS as the caller opened it (@cni-ts/netlink's openNetns reads it).
const PASSED_NETNS = Symbol.for('cni-ts.passed-netns');
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
  libc();
  globalThis[PASSED_NETNS] = m.cniNetns;
  try {
    if (m.mntFd !== undefined) enterMounts(m.mntFd);
    const out = await loadedPlugin.dispatch(loadedPlugin.plugin, { env: { ...m.env }, stdin: m.stdin });
    return { status: out.exitCode, stdout: out.stdout, stderr: out.stderr };
  } finally {
    globalThis[PASSED_NETNS] = undefined;
    try {
      leaveMounts();
    } catch (err) {
      // Still in a caller's mounts: this worker must not serve anyone else.
      tainted = true;
      process.stderr.write(String(err.message) + '\n');
    }
  }
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
