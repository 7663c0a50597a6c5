import { describe, expect, it } from 'vitest';
import { DEFAULT_PSCHED, parsePsched } from './codec/tc-clock';
import { bandwidthTbf } from './tc-bandwidth';

const c = DEFAULT_PSCHED;

describe('bandwidthTbf: the Go bandwidth plugin`s TBF arithmetic', () => {
  it('computes what the Go plugin sent (fixtures goTbfHostVeth, goTbfIfb)', () => {
    expect(bandwidthTbf(8_000_000, 800_000, c)).toEqual({ rate: 1_000_000, burstBytes: 100_000, buffer: 1_562_500, limit: 125_000 });
    expect(bandwidthTbf(16_000_000, 1_600_000, c)).toEqual({ rate: 2_000_000, burstBytes: 200_000, buffer: 1_562_500, limit: 250_000 });
  });

  it('truncates where Go truncates (integer /8, uint32 conversions)', () => {
    // 1234567 bits/s -> 154320 B/s; 98765 bits -> 12345 B; 12345e6/154320 = 79996.1 µs -> 79996 -> 1249937.5 ticks -> 1249937
    expect(bandwidthTbf(1_234_567, 98_765, c)).toEqual({ rate: 154_320, burstBytes: 12_345, buffer: 1_249_937, limit: 3858 + 12_345 });
    // 125 B/s and 125 B: a bucket of 1 s
    expect(bandwidthTbf(1000, 1000, c)).toMatchObject({ rate: 125, buffer: 15_625_000, limit: 3 + 125 });
    // another clock (old kernels: 1 tick per µs)
    expect(bandwidthTbf(8_000_000, 800_000, parsePsched('00000001 00000001 000f4240 00000064')).buffer).toBe(100_000);
  });

  it('refuses what Go would silently wrap or divide by zero', () => {
    expect(() => bandwidthTbf(7, 800, c)).toThrow(/less than one byte per second/);
    expect(() => bandwidthTbf(800, 7, c)).toThrow(/less than one byte/);
    expect(() => bandwidthTbf(8, 8 * 300, c)).toThrow(/too long for a TBF bucket/); // 300 s of bucket
    expect(() => bandwidthTbf(1e15, 8 * (2 ** 32 - 1), c)).toThrow(/burst cannot be more than 4GB/);
    expect(() => bandwidthTbf(8 * 2 ** 40, 8 * 2 ** 31, c)).toThrow(/exceeds 4 GiB/);
    expect(() => bandwidthTbf(-8, 8, c)).toThrow(/invalid rate/);
    expect(() => bandwidthTbf(8, 1.5, c)).toThrow(/invalid burst/);
    expect(() => bandwidthTbf(2 ** 60, 8, c)).toThrow(/invalid rate/);
  });

  it('keeps 64-bit rates exact (above 2^32 bytes/s the qdisc carries TCA_TBF_RATE64)', () => {
    const t = bandwidthTbf(100_000_000_000, 80_000_000, c); // 100 Gbit/s
    expect(t.rate).toBe(12_500_000_000);
    expect(t.buffer).toBe(12_500); // 10_000_000 B at 12.5 GB/s = 800 µs
    expect(t.limit).toBe(312_500_000 + 10_000_000);
  });
});
