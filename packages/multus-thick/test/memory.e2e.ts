// The memory bench itself (pnpm bench runs it with 1000 cycles): a short churn in a 50 MiB
// memory cgroup must finish without an OOM kill (the cgroup's removal fails the run if the
// daemon were still in it; the netns and temp dir go with it).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleDaemon } from '../bench/bundle';
import { benchDaemonMemory, describe as describeReport } from '../bench/memory';

describe('daemon memory bench', () => {
  it('serves 100 ADD/DEL cycles in a 50 MiB cgroup with no OOM kill', { timeout: 120_000 }, async () => {
    const entry = await bundleDaemon();
    try {
      const r = await benchDaemonMemory({ cycles: 100, entry, limitMiB: 50 });
      expect(r.oomKills).toBe(0);
      expect(r.failed).toBe(0);
      expect(r.peakAnonMiB).toBeGreaterThan(0);
      expect(r.peakAnonMiB).toBeLessThan(50);
      expect(r.cgroupPeakMiB).toBeLessThanOrEqual(50);
      expect(r.peakMiB).toBeGreaterThanOrEqual(r.startMiB);
      // Start-up leaves Node's cold file pages mapped until the daemon's first trim (src/trim.ts).
      expect(r.startMiB).toBeLessThan(r.startupPeakMiB);
      expect(describeReport(r)).toMatch(/in a 50 MiB cgroup \(0 OOM kills/);
    } finally {
      rmSync(path.dirname(entry), { recursive: true, force: true });
    }
  });
});
