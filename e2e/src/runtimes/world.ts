// A "world" is where one runtime lives during a suite: a lab network namespace (the runtime's
// "host" network: bridges, veth host ends, iptables rules all land there) plus a private mount
// and pid namespace around the runtime's processes.
//
// The mount namespace covers /run, /var/lib and /dev/shm with fresh tmpfs, so the clients'
// default state paths (/var/lib/cni results and leases, /var/lib/containers caches, /run/runc,
// /run/containerd shim sockets, /run/netns bind mounts of container namespaces, podman's shm
// locks) never touch the host's. The pid namespace makes cleanup total: its init is our holder
// process, and when it dies the kernel kills every process inside (daemons, conmon, shims,
// containers), after which the mount namespace and all its mounts and netns bind mounts go
// away by themselves. The holder dies with the process that created it (parent-death signal),
// so even a killed test run leaves no runtime processes behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { must, run, type Ran, type RunOptions } from './_exec.ts';

/** Same shape as @cni-ts/testkit's names (`cnits-<pid>-<n>-<tag>`), so its reaper knows them. */
const NETNS_PREFIX = 'cnits-';
let counter = 0;
const uniqueName = (tag: string) => `${NETNS_PREFIX}${process.pid}-rt${++counter}-${tag}`;

// Runs as pid 1 of the new pid namespace, in the new mount namespace (private propagation).
const HOLDER = String.raw`
set -eu
lab=$1 keep=$2
# /run is about to be covered: keep a handle on the lab namespace and put it back afterwards
mount --bind "/run/netns/$lab" "$keep"
mount -t tmpfs -o mode=0755,size=256m cnits-rt-run /run
mkdir -p /run/netns /run/lock
touch "/run/netns/$lab"
mount --bind "$keep" "/run/netns/$lab"
mount -t tmpfs -o mode=0755,size=256m cnits-rt-varlib /var/lib
mount -t tmpfs -o mode=1777,size=64m cnits-rt-shm /dev/shm
echo ready
# pid 1 must reap the orphans it inherits (conmon, shims double-fork)
while :; do sleep 86400 & wait $! || true; done
`;

export interface World {
  readonly tag: string;
  /** Lab namespace name (as `ip -n` takes it) and path; the path is valid inside and outside. */
  readonly netns: string;
  readonly netnsPath: string;
  /** Temp directory for the clients' configs and state, visible inside and outside. */
  readonly dir: string;
  /** A cgroup (cgroupfs path) under which runtimes should put containers; removed on close. */
  readonly cgroupParent: string;
  /** A path as the world's processes see it, readable from outside (through /proc/PID/root). */
  inside(path: string): string;
  /** Runs a program inside the world (its mount, pid and lab network namespaces). */
  exec(cmd: string, args: readonly string[], opts?: RunOptions): Ran;
  /** Like exec, but throws unless the program exits 0. */
  must(cmd: string, args: readonly string[], opts?: RunOptions): string;
  /** Starts a long-running program inside the world; it dies with the world at the latest. */
  daemon(cmd: string, args: readonly string[], logFile: string, env?: NodeJS.ProcessEnv): ChildProcess;
  /** Kills everything inside, removes cgroups, the lab namespace and the temp directory. */
  close(): Promise<string[]>;
}

function createNetns(name: string): void {
  must('ip', ['netns', 'add', name]);
  must('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

/** Every cgroup v1/v2 hierarchy root, each once. */
function cgroupRoots(): string[] {
  const base = '/sys/fs/cgroup';
  if (!existsSync(base)) return [];
  const roots = new Set<string>();
  if (existsSync(join(base, 'cgroup.procs'))) roots.add(base);
  for (const e of readdirSync(base)) {
    try {
      const p = realpathSync(join(base, e));
      if (existsSync(join(p, 'cgroup.procs'))) roots.add(p);
    } catch {
      // not a hierarchy
    }
  }
  return [...roots];
}

/** rmdir depth-first; cgroup directories can only be removed empty of children and tasks. */
function removeCgroupTree(dir: string, errors: string[]): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) removeCgroupTree(join(dir, e.name), errors);
  }
  try {
    rmdirSync(dir);
  } catch (err) {
    errors.push(`cannot remove cgroup ${dir}: ${(err as Error).message}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const stalePid = (name: string): boolean => {
  const m = /^cnits-(\d+)-(rt\d+|runtimes)/.exec(name);
  return !!m && Number(m[1]) !== process.pid && !alive(Number(m[1]));
};

/**
 * Removes what worlds of killed runs left: their processes and mounts died with them (pid
 * namespace, parent-death signal) and testkit reaps their namespaces, but empty cgroups and temp
 * directories stay. Only names of processes that no longer exist are touched.
 */
export function reapStaleWorlds(): string[] {
  const reaped: string[] = [];
  const errors: string[] = [];
  for (const root of cgroupRoots()) {
    for (const e of readdirSync(root)) {
      if (!stalePid(e)) continue;
      removeCgroupTree(join(root, e), errors);
      reaped.push(join(root, e));
    }
  }
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  for (const e of readdirSync(tmpdir())) {
    const dir = join(tmpdir(), e);
    if (!stalePid(e) || mountinfo.includes(` ${dir}`)) continue;
    rmSync(dir, { recursive: true, force: true });
    reaped.push(dir);
  }
  return reaped;
}

export async function openWorld(tag: string): Promise<World> {
  reapStaleWorlds();
  const netns = uniqueName(tag);
  const dir = mkdtempSync(join(tmpdir(), `${netns}-`));
  const cgroupParent = `/${netns}`;
  createNetns(netns);
  const netnsPath = `/run/netns/${netns}`;
  const keep = join(dir, '.labns');
  writeFileSync(keep, '');

  const holder = spawn(
    'setpriv',
    ['--pdeathsig', 'KILL', 'unshare', '-m', '-p', '--fork', '--kill-child', '--mount-proc', '--propagation', 'private', 'bash', '-c', HOLDER, 'holder', netns, keep],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('ready\n')) resolve();
    });
    holder.stderr.on('data', (d: Buffer) => (output += d.toString()));
    holder.once('exit', (code, sig) => reject(new Error(`world holder exited (${code ?? sig}): ${output.trim()}`)));
    setTimeout(() => reject(new Error(`world holder not ready after 10 s: ${output.trim()}`)), 10_000);
  });
  let inner = 0;
  try {
    await ready;
    const children = readFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8').trim().split(/\s+/);
    inner = Number(children[0]);
    if (!inner) throw new Error('world holder has no child');
  } catch (err) {
    holder.kill('SIGKILL');
    run('ip', ['netns', 'delete', netns]);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const enter = (cmd: string, args: readonly string[]) => ['-t', String(inner), '-m', '-p', `--net=${netnsPath}`, '--', cmd, ...args];
  const daemons: ChildProcess[] = [];
  let closed = false;

  const world: World = {
    tag,
    netns,
    netnsPath,
    dir,
    cgroupParent,
    inside: (path) => `/proc/${inner}/root${path}`,
    exec: (cmd, args, opts) => run('nsenter', enter(cmd, args), opts),
    must: (cmd, args, opts) => must('nsenter', enter(cmd, args), opts),
    daemon(cmd, args, logFile, env) {
      const out = openSync(logFile, 'a');
      const child = spawn('nsenter', enter(cmd, args), { stdio: ['ignore', out, out], env: env ?? process.env });
      closeSync(out);
      daemons.push(child);
      return child;
    },
    async close() {
      if (closed) return [];
      closed = true;
      const errors: string[] = [];
      if (alive(inner)) process.kill(inner, 'SIGKILL');
      const gone = await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)]);
      if (!gone) errors.push(`world ${tag}: holder ${holder.pid} still running 20 s after SIGKILL of ${inner}`);
      for (const d of daemons) if (d.exitCode === null && d.signalCode === null) d.kill('SIGKILL');
      // A task leaving a cgroup is asynchronous to its exit status: retry briefly.
      for (let i = 0; i < 20; i++) {
        const errs: string[] = [];
        for (const root of cgroupRoots()) removeCgroupTree(join(root, cgroupParent), errs);
        if (!errs.length) break;
        if (i === 19) errors.push(...errs);
        await sleep(100);
      }
      const r = run('ip', ['netns', 'delete', netns]);
      if (r.status !== 0 && existsSync(netnsPath)) errors.push(`cannot delete netns ${netns}: ${r.stderr.trim()}`);
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(` ${dir}`));
      if (mounts.length) errors.push(`mounts left under ${dir}, not removing it: ${mounts.join('; ')}`);
      else rmSync(dir, { recursive: true, force: true });
      return errors;
    },
  };
  return world;
}
