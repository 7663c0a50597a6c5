// The daemon lives for weeks in a pod with a memory limit. Its start-up touched ~35 MiB of the
// Node binary (bootstrap, snapshot, code run once) that stay mapped: resident and, in the pod's
// cgroup, charged. Once it serves, and again after each busy spell once it has been idle for a
// while, it asks the kernel to reclaim its read-only file pages (@cni-ts/netlink/pageout,
// MADV_PAGEOUT; what request handling still uses faults back in from the page cache) and gives
// glibc's free heap pages back (malloc_trim). Never while requests keep coming: paging out the
// code that serves them, in a cgroup at its limit, makes every request fault it back in against
// the kernel's own reclaim (measured: requests stalled for over 15 s under pod churn at 50 MiB).
// Under churn the kernel's LRU does the reclaiming. A trim costs a few milliseconds.
import type { PageOutReport } from '@cni-ts/netlink/pageout';
import type { Metrics } from './metrics';

export interface Trimmer {
  /** Pages out now (returns the kernel's report, or undefined when it failed). */
  trim(): PageOutReport | undefined;
  stop(): void;
}

export interface TrimOptions {
  /** How often to look for a daemon that served since the last trim and has been idle since (default 10 s). */
  intervalMs?: number;
  /** How long without a request counts as idle (default: intervalMs). */
  idleMs?: number;
  /** The trim itself (default: pageOutFileMappings then trimMalloc of @cni-ts/netlink/pageout). */
  pageOut?: () => PageOutReport;
  log?: (line: string) => void;
}

async function defaultTrim(): Promise<() => PageOutReport> {
  const { pageOutFileMappings, trimMalloc } = await import('@cni-ts/netlink/pageout');
  return () => {
    const r = pageOutFileMappings();
    trimMalloc();
    return r;
  };
}

export async function startTrimming(metrics: Metrics, opts: TrimOptions = {}): Promise<Trimmer> {
  const pageOut = opts.pageOut ?? (await defaultTrim());
  let servedAtLastTrim = metrics.served;
  let disabled = false;
  const trim = (): PageOutReport | undefined => {
    if (disabled) return undefined;
    servedAtLastTrim = metrics.served;
    try {
      const r = pageOut();
      if (r.unsupported) {
        disabled = true;
        opts.log?.('the kernel has no MADV_PAGEOUT (Linux < 5.4): not trimming file pages');
      }
      return r;
    } catch (err) {
      disabled = true;
      opts.log?.(`paging out file mappings failed, not trying again: ${(err as Error).message}`);
      return undefined;
    }
  };
  const intervalMs = opts.intervalMs ?? 10_000;
  const idleMs = opts.idleMs ?? intervalMs;
  const timer = setInterval(() => {
    if (metrics.inflight === 0 && metrics.served !== servedAtLastTrim && Date.now() - metrics.lastServedAt >= idleMs) trim();
  }, intervalMs);
  timer.unref();
  trim();
  return { trim, stop: () => clearInterval(timer) };
}
