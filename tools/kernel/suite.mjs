// The kernel suite's files (vitest project `kernel`) and how `pnpm test` splits them over its
// user-mode-linux guests. vitest's own --shard deals files out by a hash of their path, so one
// guest could get the three slowest files and finish minutes after the other: instead each file
// has a measured cost and the files are dealt most expensive first, each to the guest with the
// least work so far.
import { globSync } from 'node:fs';

/** The kernel project's files (vitest.config.ts), relative to the repository root. */
export const KERNEL_INCLUDE = ['packages/*/test/**/*.kernel.ts', 'e2e/src/**/*.kernel.ts'];

/**
 * Seconds per file in a guest; only their ratios matter. From the per-file times of the
 * 2026-12-07 runs on a loaded machine, less the in-guest bundling those runs still did. Update
 * them from a `pnpm test kernel` log when a file grows or shrinks a lot. A file missing here
 * counts DEFAULT_COST.
 */
export const KERNEL_COST = {
  'packages/ipvlan/test/ipvlan.kernel.ts': 520,
  'packages/bridge/test/vlan.kernel.ts': 380,
  'packages/vrf/test/vrf.kernel.ts': 280,
  'packages/vlan/test/vlan.kernel.ts': 240,
  'packages/multus/test/multus.kernel.ts': 150,
  'packages/ipvlan/test/differential.kernel.ts': 150,
  'packages/dummy/test/dummy.kernel.ts': 90,
  'packages/netlink/test/kinds.kernel.ts': 40,
  'e2e/src/smoke.kernel.ts': 40,
  'e2e/src/oracle-ipvlan.kernel.ts': 20,
};
export const DEFAULT_COST = 120;

/** The kernel suite's files under `root`, sorted. */
export function kernelFiles(root) {
  return KERNEL_INCLUDE.flatMap((pattern) => globSync(pattern, { cwd: root })).toSorted();
}

/**
 * `files` dealt to `n` shards, most expensive first, each to the shard with the least cost so far
 * (ties: the lower shard). Empty shards are dropped.
 * @param {string[]} files
 * @param {number} n
 * @param {Record<string, number>} cost
 * @returns {{ files: string[], cost: number }[]}
 */
export function shardFiles(files, n, cost = KERNEL_COST) {
  const of = (f) => cost[f] ?? DEFAULT_COST;
  const shards = Array.from({ length: Math.max(1, n) }, () => ({ files: /** @type {string[]} */ ([]), cost: 0 }));
  for (const f of files.toSorted((a, b) => of(b) - of(a) || a.localeCompare(b))) {
    const least = shards.reduce((best, s) => (s.cost < best.cost ? s : best));
    least.files.push(f);
    least.cost += of(f);
  }
  return shards.filter((s) => s.files.length > 0);
}
