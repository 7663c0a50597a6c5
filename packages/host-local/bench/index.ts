// host-local throughput, ours vs the Go plugin (/usr/lib/cni/host-local), for tools/bench:
//   sequential: N times ADD then DEL of one container, one process at a time
//   parallel:   P ADDs started at once on one data directory, then P DELs at once
// Every process is a real exec with the CNI environment, as a runtime runs it. Imports carry
// explicit .ts extensions so Node 24 can load this file directly (type stripping).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goImpl, type Impl, runAsync, runSync, tsImpl } from '../../testkit/src/plugin-exec.ts';

export interface BenchOptions {
  /** sequential ADD/DEL pairs per implementation (default 100) */
  runs?: number;
  /** concurrent ADDs (then DELs) per implementation (default 64) */
  parallel?: number;
  /** CNI_NETNS to pass; default: a throwaway namespace (root) or a path that does not exist */
  netns?: string;
  impls?: ('go' | 'ts')[];
  /** how to exec ours, e.g. ['out/bin/host-local'] (the single-executable build); default: a Node bundle of src/main.ts */
  tsArgv?: string[];
  log?: (line: string) => void;
}

export interface BenchRow {
  impl: 'go' | 'ts';
  scenario: 'sequential-add' | 'sequential-del' | 'parallel-add' | 'parallel-del';
  ops: number;
  totalMs: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  opsPerSec: number;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

function row(impl: Impl['name'], scenario: BenchRow['scenario'], times: number[], totalMs: number): BenchRow {
  const sorted = [...times].sort((a, b) => a - b);
  const sum = times.reduce((a, b) => a + b, 0);
  return {
    impl,
    scenario,
    ops: times.length,
    totalMs: Math.round(totalMs * 100) / 100,
    meanMs: Math.round((sum / times.length) * 100) / 100,
    p50Ms: Math.round(pct(sorted, 50) * 100) / 100,
    p95Ms: Math.round(pct(sorted, 95) * 100) / 100,
    opsPerSec: Math.round((times.length / totalMs) * 1000 * 10) / 10,
  };
}

const config = (dataDir: string) => ({
  cniVersion: '1.0.0',
  name: 'bench',
  ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.77.0.0/16' }]] },
});

function check(r: { code: number | null; stdout: string; stderr: string }, what: string): void {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stdout}${r.stderr}`);
}

async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
}

/** Runs the host-local bench; returns one row per implementation and scenario. */
export async function runBench(opts: BenchOptions = {}): Promise<BenchRow[]> {
  const runs = opts.runs ?? 100;
  const parallel = opts.parallel ?? 64;
  const log = opts.log ?? (() => {});
  let netns = opts.netns;
  let ownNetns: string | undefined;
  if (!netns) {
    if (process.getuid?.() === 0) {
      ownNetns = `cnits-${process.pid}-bench`;
      execFileSync('ip', ['netns', 'add', ownNetns]);
      netns = `/run/netns/${ownNetns}`;
    } else {
      netns = '/nonexistent/netns';
    }
  }
  const impls: Impl[] = [];
  for (const name of opts.impls ?? ['go', 'ts']) {
    if (name === 'go') impls.push(goImpl('host-local'));
    else impls.push(opts.tsArgv ? { name: 'ts', argv: opts.tsArgv } : await tsImpl('host-local'));
  }
  const rows: BenchRow[] = [];
  try {
    for (const impl of impls) {
      const dataDir = mkdtempSync(join(tmpdir(), `cnits-bench-${impl.name}-`));
      try {
        const conf = config(dataDir);
        // warm the page cache and the bundle
        check(runSync(impl, { command: 'ADD', containerId: 'warm', netns }, conf), 'warm-up ADD');
        check(runSync(impl, { command: 'DEL', containerId: 'warm', netns }, conf), 'warm-up DEL');

        const adds: number[] = [];
        const dels: number[] = [];
        for (let i = 0; i < runs; i++) {
          const env = { containerId: `seq${i}`, netns };
          const [ra, ta] = await timed(() => runSync(impl, { command: 'ADD', ...env }, conf));
          check(ra, `ADD seq${i}`);
          const [rd, td] = await timed(() => runSync(impl, { command: 'DEL', ...env }, conf));
          check(rd, `DEL seq${i}`);
          adds.push(ta);
          dels.push(td);
        }
        rows.push(row(impl.name, 'sequential-add', adds, adds.reduce((a, b) => a + b, 0)));
        rows.push(row(impl.name, 'sequential-del', dels, dels.reduce((a, b) => a + b, 0)));

        for (const command of ['ADD', 'DEL'] as const) {
          const times: number[] = [];
          const [results, total] = await timed(() =>
            Promise.all(
              Array.from({ length: parallel }, async (_, i) => {
                const [r, t] = await timed(() => runAsync(impl, { command, containerId: `par${i}`, netns }, conf));
                times.push(t);
                return r;
              }),
            ),
          );
          results.forEach((r, i) => check(r, `${command} par${i}`));
          rows.push(row(impl.name, command === 'ADD' ? 'parallel-add' : 'parallel-del', times, total));
        }
        const left = readdirSync(join(dataDir, 'bench')).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip.'));
        if (left.length > 0) throw new Error(`${impl.name}: reservations left after DEL: ${left.join(' ')}`);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
      for (const r of rows.filter((x) => x.impl === impl.name)) {
        log(`${r.impl} ${r.scenario}: ${r.ops} ops, mean ${r.meanMs} ms, p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms, ${r.opsPerSec} ops/s`);
      }
    }
  } finally {
    if (ownNetns && existsSync(`/run/netns/${ownNetns}`)) execFileSync('ip', ['netns', 'delete', ownNetns]);
  }
  return rows;
}
