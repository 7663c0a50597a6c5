// Proactive reclaim of a long-lived process's file pages. Starting Node touches ~35 MiB of its
// own binary (bootstrap, snapshot, ICU, code run once) that stay mapped, and so count in RSS and,
// in a container, in the cgroup's charge, long after start-up. madvise(MADV_PAGEOUT) (Linux 5.4)
// asks the kernel to reclaim them now, as memory pressure would: only pages no other process maps
// are reclaimed, nothing is lost (file pages are re-read from the page cache or disk on the next
// touch; anonymous pages would need swap and are left alone), and pages still in use fault back.
// trimMalloc() is the same for the C heap: glibc returns the free pages of its arenas to the kernel.
import { readFileSync } from 'node:fs';
import { libc } from './_libc';

const MADV_PAGEOUT = 21;

export interface PageOutReport {
  /** Mappings advised. */
  mappings: number;
  /** Their total size in bytes (not what was reclaimed: see VmRSS for that). */
  bytes: number;
  /** The kernel refused the advice (older than 5.4, or no such advice): nothing happened. */
  unsupported: boolean;
}

interface Mapping {
  start: bigint;
  end: bigint;
}

/** Read-only mappings of files in /proc/self/maps (text, rodata, read-only data of libraries). */
export function readOnlyFileMappings(maps = readFileSync('/proc/self/maps', 'utf8')): Mapping[] {
  const out: Mapping[] = [];
  for (const line of maps.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s+(\/.*)$/.exec(line);
    if (!m || m[3]![1] === 'w' || m[4]!.endsWith(' (deleted)')) continue;
    out.push({ start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`) });
  }
  return out;
}

/** Advises MADV_PAGEOUT on every read-only file mapping of this process. */
export function pageOutFileMappings(): PageOutReport {
  const c = libc();
  const report: PageOutReport = { mappings: 0, bytes: 0, unsupported: false };
  for (const { start, end } of readOnlyFileMappings()) {
    if (c.madvise(start, end - start, MADV_PAGEOUT) !== 0) {
      // EINVAL: a kernel without MADV_PAGEOUT; any other failure concerns one mapping only.
      if (c.errno() === 22) return { ...report, unsupported: true };
      continue;
    }
    report.mappings++;
    report.bytes += Number(end - start);
  }
  return report;
}

/** malloc_trim(0): glibc gives the free pages of its heaps back to the kernel. True when it freed some. */
export function trimMalloc(): boolean {
  return libc().mallocTrim(0) === 1;
}
