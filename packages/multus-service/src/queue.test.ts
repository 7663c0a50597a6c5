import { describe, expect, it } from 'vitest';
import { WorkQueue } from './queue';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('runs a key once however often it was added while waiting; again when added while running', async () => {
    const q = new WorkQueue();
    const seen: string[] = [];
    let release: (() => void) | undefined;
    q.add('a');
    q.add('a');
    q.add('b');
    q.run(async (k) => {
      seen.push(k);
      if (k === 'a' && seen.length === 1) await new Promise<void>((r) => (release = r));
    });
    await tick();
    q.add('a'); // while a runs
    q.add('a');
    release?.();
    await tick(10);
    expect(seen).toEqual(['a', 'b', 'a']);
    await q.stop();
  });

  it('retries a failing key after a doubling delay, and starts over after a success', async () => {
    const q = new WorkQueue({ backoffMs: { initial: 20, max: 1000 } });
    const at: number[] = [];
    const t0 = Date.now();
    q.run(async () => {
      at.push(Date.now() - t0);
      if (at.length < 3) throw new Error('no');
    });
    q.add('k');
    await tick(150);
    expect(at).toHaveLength(3);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(18);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(38);
    await q.stop();
  });

  it('a delayed add waits; an immediate add of the same key wins; stop drops the rest', async () => {
    const q = new WorkQueue();
    const seen: string[] = [];
    q.run(async (k) => void seen.push(k));
    q.add('later', 30);
    q.add('later', 30);
    await tick(5);
    expect(seen).toEqual([]);
    q.add('later');
    await tick(50);
    expect(seen).toEqual(['later']);
    q.add('never', 20);
    await q.stop();
    await tick(40);
    expect(seen).toEqual(['later']);
    expect(q.length).toBe(0);
  });
});
