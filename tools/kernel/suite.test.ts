import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_COST, KERNEL_COST, kernelFiles, shardFiles } from './suite.mjs';

describe('kernel suite shards', () => {
  it('deals the most expensive files first, each to the least loaded shard', () => {
    const cost = { a: 500, b: 400, c: 300, d: 200, e: 100 };
    expect(shardFiles(['e', 'd', 'c', 'b', 'a'], 2, cost)).toEqual([
      { files: ['a', 'd', 'e'], cost: 800 },
      { files: ['b', 'c'], cost: 700 },
    ]);
  });

  it('counts an unmeasured file at the default cost and drops empty shards', () => {
    expect(shardFiles(['new.kernel.ts'], 3, {})).toEqual([{ files: ['new.kernel.ts'], cost: DEFAULT_COST }]);
  });

  it('every measured cost is of a file of the kernel project', () => {
    const files = kernelFiles(join(import.meta.dirname, '../..'));
    expect(files).toContain('e2e/src/smoke.kernel.ts');
    expect(files).toEqual(expect.arrayContaining(Object.keys(KERNEL_COST)));
  });
});
