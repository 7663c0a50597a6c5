// A throwaway memory cgroup with a hard limit, for the daemon's memory bench: the daemon runs
// under the limit a pod's `resources.limits.memory` sets (upstream's manifest: 50Mi), so the
// bench sees what the kernel charges it and whether it would be OOM-killed, not only its RSS.
// cgroup v1 (memory controller mounted on its own) and v2 (unified) are both handled; the new
// group sits under the caller's own memory cgroup.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sleepSync } from '@cni-ts/cni';

export interface CgroupUsage {
  /** Bytes charged now (anonymous memory, page cache, kernel memory). */
  current: number;
  /** Anonymous bytes charged now: what cannot be reclaimed without swap. */
  anon: number;
  /** File (page cache) bytes charged now: reclaimable when clean. */
  file: number;
}

export interface MemoryCgroup {
  readonly dir: string;
  readonly version: 1 | 2;
  /** The file a process id is written to in order to move that process in. */
  readonly procsFile: string;
  usage(): CgroupUsage;
  /** Highest charge seen by the kernel (bytes), or NaN where the kernel does not keep it. */
  peak(): number;
  /** OOM kills inside the group so far. */
  oomKills(): number;
  /** Removes the group (it must be empty: kill its processes first). */
  remove(): void;
}

const read = (file: string) => readFileSync(file, 'utf8');
const statField = (text: string, key: string) => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);

/** Where the memory controller is mounted and the caller's group in it. */
function ownGroup(): { version: 1 | 2; dir: string } {
  const mounts = read('/proc/self/mountinfo').split('\n').map((l) => l.split(' '));
  const groups = read('/proc/self/cgroup').split('\n').filter(Boolean).map((l) => l.split(':'));
  for (const m of mounts) {
    const sep = m.indexOf('-');
    if (sep < 0 || m[sep + 1] !== 'cgroup' || !m[sep + 3]?.split(',').includes('memory')) continue;
    const own = groups.find((g) => g[1]?.split(',').includes('memory'));
    if (own) return { version: 1, dir: path.join(m[4]!, path.relative(m[3]!, own[2]!)) };
  }
  for (const m of mounts) {
    const sep = m.indexOf('-');
    if (sep < 0 || m[sep + 1] !== 'cgroup2') continue;
    const own = groups.find((g) => g[0] === '0');
    if (own) return { version: 2, dir: path.join(m[4]!, path.relative(m[3]!, own[2]!)) };
  }
  throw new Error('no memory cgroup controller is mounted');
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

/** Groups `cnits-<pid>-*` of runs that died (killed benches): their processes are killed, the groups removed. */
function reapStale(parent: string): void {
  for (const entry of readdirSync(parent)) {
    const m = /^cnits-(\d+)-/.exec(entry);
    if (!m || alive(Number(m[1]))) continue;
    const dir = path.join(parent, entry);
    try {
      for (const pid of read(path.join(dir, 'cgroup.procs')).split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
      for (let i = 0; i < 50 && read(path.join(dir, 'cgroup.procs')).trim(); i++) sleepSync(100);
      rmdirSync(dir);
    } catch {
      // still busy or already gone: the next run tries again
    }
  }
}

/** Creates `<own group>/<name>` limited to `limitBytes` (reaping groups of dead runs first). */
export function createMemoryCgroup(name: string, limitBytes: number): MemoryCgroup {
  const own = ownGroup();
  reapStale(own.dir);
  const dir = path.join(own.dir, name);
  if (existsSync(dir)) rmdirSync(dir);
  if (own.version === 2 && !read(path.join(own.dir, 'cgroup.subtree_control')).split(/\s+/).includes('memory')) {
    throw new Error(`the memory controller is not enabled for the children of ${own.dir}`);
  }
  mkdirSync(dir);
  try {
    if (own.version === 1) writeFileSync(path.join(dir, 'memory.limit_in_bytes'), String(limitBytes));
    else {
      writeFileSync(path.join(dir, 'memory.max'), String(limitBytes));
      writeFileSync(path.join(dir, 'memory.swap.max'), '0');
    }
  } catch (err) {
    rmdirSync(dir);
    throw new Error(`setting the memory limit of ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const f = (n: string) => path.join(dir, n);
  return {
    dir,
    version: own.version,
    procsFile: f('cgroup.procs'),
    usage() {
      const stat = read(f('memory.stat'));
      if (own.version === 1) return { current: Number(read(f('memory.usage_in_bytes'))), anon: statField(stat, 'rss'), file: statField(stat, 'cache') };
      return { current: Number(read(f('memory.current'))), anon: statField(stat, 'anon'), file: statField(stat, 'file') };
    },
    peak() {
      const file = own.version === 1 ? f('memory.max_usage_in_bytes') : f('memory.peak');
      return existsSync(file) ? Number(read(file)) : Number.NaN;
    },
    oomKills() {
      return statField(read(own.version === 1 ? f('memory.oom_control') : f('memory.events')), 'oom_kill');
    },
    remove() {
      rmdirSync(dir);
    },
  };
}
