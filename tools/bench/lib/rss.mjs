// Peak RSS of a child process. Not measured by our own spawner: a child created by posix_spawn
// from Node starts life sharing Node's ~50 MB address space, and the kernel carries that
// high-water mark into the child's ru_maxrss when it execs. GNU time forks from its own small
// process, so its %M (ru_maxrss of the program it runs) is the program's own peak.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TIME = '/usr/bin/time';

export const haveTime = () => existsSync(TIME);

let seq = 0;

/** Wraps a job so that it reports its peak RSS; `read()` returns KiB once the job has run. */
export function withRss(job) {
  const file = join(tmpdir(), `cnits-bench-rss-${process.pid}-${++seq}`);
  return {
    job: { ...job, cmd: [TIME, '-f', '%M', '-o', file, ...job.cmd] },
    read() {
      try {
        const kib = Number(readFileSync(file, 'utf8').trim().split('\n').at(-1));
        return Number.isFinite(kib) ? kib : NaN;
      } catch {
        return NaN;
      } finally {
        rmSync(file, { force: true });
      }
    },
  };
}
