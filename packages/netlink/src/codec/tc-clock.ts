// The packet scheduler's clock: tc expresses times (a TBF's bucket, a rate table's entries) in
// "ticks", whose length the kernel publishes in /proc/net/psched. The arithmetic below is the one
// iproute2 (tc/tc_core.c) and vishvananda/netlink (qdisc_linux.go) share; pure, no I/O (the
// reader of /proc/net/psched is ops/psched.ts).

/** tc's time unit is the microsecond. */
export const TIME_UNITS_PER_SEC = 1_000_000;

export interface PschedClock {
  /** ticks per microsecond (15.625 on every kernel since 2.6.x: a tick is 64 ns). */
  tickInUsec: number;
  /** kernel clock resolution / 10^6. */
  clockFactor: number;
  hz: number;
}

/**
 * Parses /proc/net/psched (four hex words: t2us, us2t, clock resolution, hz) as iproute2's
 * tc_core_init and vishvananda's initClock do, including their compatibility rule for a
 * nanosecond clock resolution. Throws on anything it cannot read: a zero tick (what the Go
 * library silently keeps when the file is unreadable) would turn every bucket into 0.
 */
export function parsePsched(text: string): PschedClock {
  const parts = text.trim().split(/\s+/);
  const vals = parts.slice(0, 4).map((p) => (/^[0-9a-fA-F]{1,8}$/.test(p) ? parseInt(p, 16) : NaN));
  if (vals.length < 3 || vals.some((v) => Number.isNaN(v)) || !vals[0] || !vals[1] || !vals[2]) {
    throw new Error(`unreadable /proc/net/psched: ${JSON.stringify(text)}`);
  }
  let [t2us, us2t, res] = vals as [number, number, number];
  const rawHz = vals[3];
  if (res === 1_000_000_000) t2us = us2t;
  const clockFactor = res / TIME_UNITS_PER_SEC;
  return {
    tickInUsec: (t2us / us2t) * clockFactor,
    clockFactor,
    hz: res === 1_000_000 && rawHz ? rawHz : 100,
  };
}

/** What every kernel since 2.6.x publishes: `000003e8 00000040 000f4240 3b9aca00`. */
export const DEFAULT_PSCHED: PschedClock = parsePsched('000003e8 00000040 000f4240 3b9aca00');

const U32_MAX = 0xffffffff;

/**
 * Microseconds to ticks, truncated to an integer as Go's `uint32(float64(t) * tickInUsec)`.
 * Throws a RangeError when the result does not fit the kernel's 32-bit field (Go wraps it).
 */
export function time2tick(us: number, clock: PschedClock): number {
  const t = Math.trunc(us * clock.tickInUsec);
  if (!(t >= 0 && t <= U32_MAX)) throw new RangeError(`${us} µs is ${t} ticks, more than a 32-bit tc field holds`);
  return t;
}

/** Ticks to microseconds (truncated, as iproute2's tc_core_tick2time). */
export const tick2time = (ticks: number, clock: PschedClock): number => Math.trunc(ticks / clock.tickInUsec);

/**
 * Ticks to send `size` bytes at `rate` bytes/s: tc_calc_xmittime of iproute2 up to 6.14 (the tc of
 * Debian 12 and of the fixtures): the time truncated to whole µs, then to whole ticks — the same
 * steps as the Go library's Xmittime. (iproute2 6.15 rounds up instead.) Capped at 2^32-1.
 */
export function xmittime(rate: number, size: number, clock: PschedClock): number {
  const us = Math.trunc(TIME_UNITS_PER_SEC * (size / rate));
  return Math.min(Math.trunc(Math.min(us, U32_MAX) * clock.tickInUsec), U32_MAX);
}

/** Bytes sent at `rate` in `ticks` (iproute2's tc_calc_xmitsize, truncated): a TBF's burst. */
export const xmitsize = (rate: number, ticks: number, clock: PschedClock): number =>
  Math.trunc((rate * tick2time(ticks, clock)) / TIME_UNITS_PER_SEC);

/** TC_LINKLAYER_* of a tc_ratespec. */
export const LINKLAYER = { unaware: 0, ethernet: 1, atm: 2 } as const;
export type Linklayer = keyof typeof LINKLAYER;

const ATM_CELL_PAYLOAD = 48;
const ATM_CELL_SIZE = 53;

/**
 * The 256-entry rate table iproute2 sends with a rate (tc_calc_rtable): entry i is the ticks to
 * send ((i+1) << cellLog) bytes. Since Linux 3.8 the kernel only reads it to detect ATM framing,
 * but `tc` still sends it, so requests built with it are byte-identical to tc's.
 * `cellLog` < 0 (the default) picks the smallest one that covers `mtu` (2047 when 0).
 */
export function calcRtable(
  rate: number,
  clock: PschedClock,
  opts: { mtu?: number; cellLog?: number; mpu?: number; linklayer?: Linklayer } = {},
): { table: Uint32Array; cellLog: number } {
  const mtu = opts.mtu || 2047;
  let cellLog = opts.cellLog ?? -1;
  if (cellLog < 0) {
    cellLog = 0;
    while (mtu >> cellLog > 255) cellLog++;
  }
  const mpu = opts.mpu ?? 0;
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let sz = Math.max((i + 1) << cellLog, mpu);
    if (opts.linklayer === 'atm') sz = Math.ceil(sz / ATM_CELL_PAYLOAD) * ATM_CELL_SIZE;
    table[i] = xmittime(rate, sz, clock);
  }
  return { table, cellLog };
}
