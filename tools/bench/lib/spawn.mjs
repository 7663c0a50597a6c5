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
  lib = {
    spawn: c.func('int posix_spawn(_Out_ int *pid, const char *path, void *actions, void *attr, const char **argv, const char **envp)'),
    actionsInit: c.func('int posix_spawn_file_actions_init(void *actions)'),
    actionsDup2: c.func('int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)'),
    actionsDestroy: c.func('int posix_spawn_file_actions_destroy(void *actions)'),
    wait4: c.func('int wait4(int pid, _Out_ int *status, int options, void *rusage)'),
    setns: c.func('int setns(int fd, int nstype)'),
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
  while (statuses.size < pids.length) {
    const st = [0];
    const pid = c.wait4(-1, st, 0, null);
    if (pid < 0) throw new Error(`wait4: errno ${c.errno()}`);
    if (pids.includes(pid)) statuses.set(pid, st[0]);
  }
  const ns = Number(process.hrtime.bigint() - t0);
  return {
    ms: ns / 1e6,
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
