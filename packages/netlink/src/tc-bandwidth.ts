// The bandwidth plugin's arithmetic: a rate and burst in bits (its config) to the TBF it installs,
// computed exactly as containernetworking/plugins' ifb_creator.go does (float64 steps, the same
// truncations), so the kernel holds identical qdiscs and CHECK compares equal numbers. Pure: the
// psched clock is an argument (pschedClock() reads the kernel's).
import { TIME_UNITS_PER_SEC, time2tick, type PschedClock } from './codec/tc-clock';

/** The queueing latency the Go plugin gives every TBF. */
export const BANDWIDTH_LATENCY_MS = 25;

const U32_MAX = 0xffffffff;

/** A TBF for `tc qdisc add ... tbf`: rate and limit in bytes, buffer in ticks (fits TbfOptions). */
export interface BandwidthTbf {
  /** bytes/s (rate / 8). */
  rate: number;
  /** the bucket, bytes (burst / 8); informational: not a TbfOptions field (TCA_TBF_BURST is not sent, as in Go). */
  burstBytes: number;
  /** the bucket as the time `rate` takes to fill it, psched ticks. */
  buffer: number;
  /** bytes: what `rate` sends in the latency, plus the bucket. */
  limit: number;
}

/**
 * rateBytes = rate/8, burstBytes = burst/8, buffer = tick(burstBytes·10^6/rateBytes µs),
 * limit = rateBytes·25000/10^6 + burstBytes. Where Go's uint32 conversions would silently wrap
 * (a bucket worth more than ~275 s of the rate, a limit over 4 GiB) or divide by zero (a rate
 * under 8 bits/s), this throws a RangeError instead: the kernel would get nonsense.
 */
export function bandwidthTbf(rateBits: number, burstBits: number, clock: PschedClock): BandwidthTbf {
  if (!Number.isSafeInteger(rateBits) || rateBits < 0) throw new RangeError(`invalid rate: ${rateBits}`);
  if (!Number.isSafeInteger(burstBits) || burstBits < 0) throw new RangeError(`invalid burst: ${burstBits}`);
  const rate = Math.floor(rateBits / 8);
  const burst = Math.floor(burstBits / 8);
  if (rate === 0) throw new RangeError(`invalid rate: ${rateBits} bits/s is less than one byte per second`);
  if (burst === 0) throw new RangeError(`invalid burst: ${burstBits} bits is less than one byte`);
  if (burst >= U32_MAX) throw new RangeError('burst cannot be more than 4GB');
  // Go: time2Tick(uint32(float64(burst) * float64(TIME_UNITS_PER_SEC) / float64(rate)))
  const us = Math.trunc((burst * TIME_UNITS_PER_SEC) / rate);
  if (us > U32_MAX || us * clock.tickInUsec > U32_MAX) {
    throw new RangeError(`a burst of ${burst} bytes lasts ${us / TIME_UNITS_PER_SEC} s at ${rate} bytes/s: too long for a TBF bucket`);
  }
  const buffer = time2tick(us, clock);
  // Go: uint32(float64(rate) * latencyInUsec(25) / float64(TIME_UNITS_PER_SEC)) + burst
  const latencyUs = TIME_UNITS_PER_SEC * (BANDWIDTH_LATENCY_MS / 1000);
  const queued = Math.trunc((rate * latencyUs) / TIME_UNITS_PER_SEC);
  const limit = queued + burst;
  if (queued > U32_MAX || limit > U32_MAX) {
    throw new RangeError(`a TBF limit of ${limit} bytes (rate ${rate} bytes/s for ${BANDWIDTH_LATENCY_MS} ms plus the burst) exceeds 4 GiB`);
  }
  return { rate, burstBytes: burst, buffer, limit };
}
