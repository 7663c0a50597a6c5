import { describe, expect, it, vi } from 'vitest';
import { Metrics } from './metrics';
import { startTrimming } from './trim';

const report = { mappings: 3, bytes: 4096, unsupported: false };

describe('startTrimming', () => {
  it('pages out at start, then only after a busy spell, once idle', async () => {
    vi.useFakeTimers();
    try {
      const metrics = new Metrics();
      const pageOut = vi.fn(() => report);
      const t = await startTrimming(metrics, { intervalMs: 1000, pageOut });
      expect(pageOut).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(3000);
      expect(pageOut).toHaveBeenCalledTimes(1); // nothing served
      // Requests keep coming (two per tick): no trim while busy.
      for (let i = 0; i < 6; i++) {
        metrics.observe('ADD', 'success', 0.01);
        vi.advanceTimersByTime(500);
      }
      expect(pageOut).toHaveBeenCalledTimes(1);
      metrics.inflight = 1;
      vi.advanceTimersByTime(2000);
      expect(pageOut).toHaveBeenCalledTimes(1); // a request in flight
      metrics.inflight = 0;
      vi.advanceTimersByTime(1000);
      expect(pageOut).toHaveBeenCalledTimes(2); // idle after the spell
      vi.advanceTimersByTime(5000);
      expect(pageOut).toHaveBeenCalledTimes(2); // nothing new served
      t.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops trying after a failure or on a kernel without MADV_PAGEOUT, and says so once', async () => {
    const lines: string[] = [];
    const t = await startTrimming(new Metrics(), { pageOut: () => ({ ...report, unsupported: true }), log: (l) => lines.push(l) });
    expect(t.trim()).toBeUndefined();
    t.stop();
    const failing = await startTrimming(new Metrics(), {
      pageOut: () => {
        throw new Error('no koffi');
      },
      log: (l) => lines.push(l),
    });
    expect(failing.trim()).toBeUndefined();
    failing.stop();
    expect(lines).toEqual(['the kernel has no MADV_PAGEOUT (Linux < 5.4): not trimming file pages', 'paging out file mappings failed, not trying again: no koffi']);
  });

  it('pages out for real through @cni-ts/netlink by default', async () => {
    const t = await startTrimming(new Metrics());
    const r = t.trim();
    t.stop();
    expect(r?.unsupported).toBe(false);
    expect(r?.mappings).toBeGreaterThan(0);
  });
});
