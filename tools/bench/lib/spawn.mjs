// Precise wall-clock timing of child processes: posix_spawn(3) and wait4(2) called through koffi
// (already in the workspace for @cni-ts/netlink), so no shell, no Node child_process machinery and
// no helper binary sits between the clock and the program. Timing starts just before the spawn
// and stops when wait4 returns, i.e. it includes exec, the dynamic loader and exit, as a runtime
// exec'ing a plugin sees it.
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../../..');
let lib;

function libc() {
  if (lib) return lib;
  const koffi = createRequire(join(ROOT, 'packages/netlink/package.json'))('koffi');
  const c = koffi.load('libc.so.6');
  const timeval = koffi.struct('cnits_timeval', { sec: 'long', usec: 'long' });
  // ru_maxrss and the rest are not used: see rss.mjs for why maxrss is taken from GNU time.
  koffi.struct('cnits_rusage', { utime: timeval, stime: timeval, rest: koffi.array('long', 14) });
  lib = {
    spawn: c.func('int posix_spawn(_Out_ int *pid, const char *path, void *actions, void *attr, const char **argv, const char **envp)'),
    actionsInit: c.func('int posix_spawn_file_actions_init(void *actions)'),
    actionsDup2: c.func('int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)'),
    actionsDestroy: c.func('int posix_spawn_file_actions_destroy(void *actions)'),
    wait4: c.func('int wait4(int pid, _Out_ int *status, int options, _Out_ cnits_rusage *usage)'),
    setns: c.func('int setns(int fd, int nstype)'),
    fsync: c.func('int fsync(int fd)'),
    fadvise: c.func('int posix_fadvise(int fd, int64_t offset, int64_t len, int advice)'),
    errno: () => koffi.errno(),
  };
  return lib;
}

/** Decodes a wait status the way a shell reports it: exit code, or 128 + signal. */
export function exitCode(status) {
  const sig = status & 0x7f;
  return sig === 0 ? (status >> 8) & 0xff : 128 + sig;
}

let seq = 0;

const CLONE_NEWNET = 0x40000000;
const POSIX_FADV_DONTNEED = 4;

/**
 * Drops `file` from the page cache, so the next exec reads it back the way the first exec after
 * a boot does. How a binary's pages got into the cache changes the RSS of every process that
 * maps it (a file just written by postject or cp sits in the cache as different folios than one
 * read through readahead): measured here, a freshly built binary showed up to 19 MiB more peak
 * RSS than the same file re-read.
 */
export function evictPageCache(file) {
  const c = libc();
  const fd = openSync(file, 'r');
  try {
    c.fsync(fd);
    c.fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  } finally {
    closeSync(fd);
  }
}

/**
 * Runs `fn` with this (main) thread in the network namespace at `path`; children spawned meanwhile
 * are born there. Only the calling thread moves (setns(2)), and it always moves back.
 */
function inNetns(path, fn) {
  if (!path) return fn();
  const c = libc();
  const self = openSync('/proc/thread-self/ns/net', 'r');
  const target = openSync(path, 'r');
  try {
    if (c.setns(target, CLONE_NEWNET) !== 0) throw new Error(`setns ${path}: errno ${c.errno()}`);
    try {
      return fn();
    } finally {
      if (c.setns(self, CLONE_NEWNET) !== 0) {
        process.stderr.write('bench: cannot return to the original network namespace\n');
        process.exit(70);
      }
    }
  } finally {
    closeSync(self);
    closeSync(target);
  }
}

/**
 * Starts `jobs` at once, waits for all of them, and returns the batch's wall time plus each
 * job's exit code, stdout and stderr.
 * @param {{cmd: string[], env: Record<string,string>, stdin?: string}[]} jobs
 * @param {{netns?: string}} [opts] run the jobs inside this network namespace (a path)
 */
export function runBatch(jobs, opts = {}) {
  const c = libc();
  const dir = tmpdir();
  const prepared = jobs.map((job, i) => {
    const base = join(dir, `cnits-bench-${process.pid}-${++seq}-${i}`);
    writeFileSync(`${base}.in`, job.stdin ?? '');
    const fds = [openSync(`${base}.in`, 'r'), openSync(`${base}.out`, 'w'), openSync(`${base}.err`, 'w')];
    const actions = Buffer.alloc(256);
    c.actionsInit(actions);
    fds.forEach((fd, n) => c.actionsDup2(actions, fd, n));
    const argv = [...job.cmd, null];
    const envp = [...Object.entries(job.env).map(([k, v]) => `${k}=${v}`), null];
    return { base, fds, actions, argv, envp, path: job.cmd[0] };
  });
  const pids = [];
  const t0 = process.hrtime.bigint();
  inNetns(opts.netns, () => {
    for (const p of prepared) {
      const pid = [0];
      const rc = c.spawn(pid, p.path, p.actions, null, p.argv, p.envp);
      if (rc !== 0) throw new Error(`posix_spawn ${p.path}: errno ${rc}`);
      pids.push(pid[0]);
    }
  });
  const statuses = new Map();
  let cpuUs = 0;
  while (statuses.size < pids.length) {
    const st = [0];
    const ru = {};
    const pid = c.wait4(-1, st, 0, ru);
    if (pid < 0) throw new Error(`wait4: errno ${c.errno()}`);
    if (!pids.includes(pid)) continue;
    statuses.set(pid, st[0]);
    cpuUs += Number(ru.utime.sec) * 1e6 + Number(ru.utime.usec) + Number(ru.stime.sec) * 1e6 + Number(ru.stime.usec);
  }
  const ns = Number(process.hrtime.bigint() - t0);
  return {
    ms: ns / 1e6,
    /** user + system CPU time of all jobs, in ms: steadier than wall time on a busy machine. */
    cpuMs: cpuUs / 1e3,
    results: prepared.map((p, i) => {
      c.actionsDestroy(p.actions);
      p.fds.forEach((fd) => closeSync(fd));
      const out = readFileSync(`${p.base}.out`, 'utf8');
      const err = readFileSync(`${p.base}.err`, 'utf8');
      for (const ext of ['in', 'out', 'err']) rmSync(`${p.base}.${ext}`, { force: true });
      return { code: exitCode(statuses.get(pids[i])), stdout: out, stderr: err };
    }),
  };
}
