// The token bucket filter qdisc (sch_tbf): TCA_OPTIONS of kind "tbf". Values from linux/pkt_sched.h.
import { AttrMap, nla, type Attr } from './attr';
import {
  LINKLAYER,
  TIME_UNITS_PER_SEC,
  calcRtable,
  tick2time,
  xmitsize,
  xmittime,
  type Linklayer,
  type PschedClock,
} from './tc-clock';

export const TCA_TBF = { PARMS: 1, RTAB: 2, PTAB: 3, RATE64: 4, PRATE64: 5, BURST: 6, PBURST: 7, PAD: 8 } as const;

/** struct tc_ratespec (12 bytes). `rate` is in bytes/s, capped at 2^32-1 (the rest in *_RATE64). */
export interface RateSpec {
  cellLog: number;
  linklayer: number;
  overhead: number;
  cellAlign: number;
  mpu: number;
  rate: number;
}

export const RATESPEC_LEN = 12;
const U32_MAX = 0xffffffff;
const TWO_32 = 2 ** 32;

export function encodeRatespec(r: Partial<RateSpec>, b: Buffer = Buffer.alloc(RATESPEC_LEN), off = 0): Buffer {
  b.writeUInt8(r.cellLog ?? 0, off);
  b.writeUInt8(r.linklayer ?? 0, off + 1);
  b.writeUInt16LE(r.overhead ?? 0, off + 2);
  b.writeInt16LE(r.cellAlign ?? 0, off + 4);
  b.writeUInt16LE(r.mpu ?? 0, off + 6);
  b.writeUInt32LE(Math.min(r.rate ?? 0, U32_MAX), off + 8);
  return b;
}

export function decodeRatespec(b: Buffer, off = 0): RateSpec {
  return {
    cellLog: b.readUInt8(off),
    linklayer: b.readUInt8(off + 1),
    overhead: b.readUInt16LE(off + 2),
    cellAlign: b.readInt16LE(off + 4),
    mpu: b.readUInt16LE(off + 6),
    rate: b.readUInt32LE(off + 8),
  };
}

/** struct tc_tbf_qopt: rate, peakrate, limit, buffer, mtu (36 bytes). */
export const TBF_QOPT_LEN = 2 * RATESPEC_LEN + 12;

/**
 * A TBF as it is sent. Rates are bytes/s (a 64-bit value in a JS number: exact below 2^53); times
 * are psched ticks (see tc-clock.ts).
 */
export interface TbfOptions {
  rate: number;
  /** the bucket, as the time `rate` takes to fill it (tc_tbf_qopt.buffer, ticks). */
  buffer: number;
  /** bytes that may wait in the queue for tokens. */
  limit: number;
  /** the second bucket's rate (0/undefined: none). */
  peakrate?: number;
  /** the peak bucket, in ticks (tc_tbf_qopt.mtu). */
  mtu?: number;
  /** TCA_TBF_BURST: the bucket in bytes; when sent, the kernel derives the buffer from it. */
  burst?: number;
  /** TCA_TBF_PBURST: the peak bucket in bytes. */
  pburst?: number;
  /** the tc_ratespec fields besides the rate (iproute2 sets cell_log, linklayer, cell_align). */
  rateSpec?: Partial<Omit<RateSpec, 'rate'>>;
  peakSpec?: Partial<Omit<RateSpec, 'rate'>>;
  /** rate tables (256 u32, TCA_TBF_RTAB / PTAB) as tc sends them; the kernel reads them only to detect ATM. */
  rtab?: Uint32Array;
  ptab?: Uint32Array;
}

/** A TBF as the kernel reports it (RTM_NEWQDISC replies). */
export interface TbfData {
  /** bytes/s (TCA_TBF_RATE64 when the kernel sends it). */
  rate: number;
  peakrate: number;
  limit: number;
  buffer: number;
  mtu: number;
  rateSpec: RateSpec;
  peakSpec: RateSpec;
}

const table = (t: Uint32Array): Buffer => {
  const b = Buffer.alloc(1024);
  for (let i = 0; i < 256; i++) b.writeUInt32LE(t[i] ?? 0, i * 4);
  return b;
};

/** TCA_OPTIONS attributes of a TBF, in tc's order (tc/q_tbf.c). */
export function encodeTbf(o: TbfOptions): Attr[] {
  const parms = Buffer.alloc(TBF_QOPT_LEN);
  encodeRatespec({ ...o.rateSpec, rate: o.rate }, parms, 0);
  encodeRatespec(o.peakrate ? { ...o.peakSpec, rate: o.peakrate } : {}, parms, RATESPEC_LEN);
  parms.writeUInt32LE(o.limit >>> 0, 24);
  parms.writeUInt32LE(o.buffer >>> 0, 28);
  parms.writeUInt32LE((o.mtu ?? 0) >>> 0, 32);
  const out: Attr[] = [nla.raw(TCA_TBF.PARMS, parms)];
  if (o.burst !== undefined) out.push(nla.u32(TCA_TBF.BURST, o.burst));
  if (o.rate >= TWO_32) out.push(nla.u64(TCA_TBF.RATE64, BigInt(o.rate)));
  if (o.rtab) out.push(nla.raw(TCA_TBF.RTAB, table(o.rtab)));
  if (o.peakrate) {
    if (o.peakrate >= TWO_32) out.push(nla.u64(TCA_TBF.PRATE64, BigInt(o.peakrate)));
    if (o.pburst !== undefined) out.push(nla.u32(TCA_TBF.PBURST, o.pburst));
    if (o.ptab) out.push(nla.raw(TCA_TBF.PTAB, table(o.ptab)));
  }
  return out;
}

export function decodeTbf(m: AttrMap): TbfData | undefined {
  const p = m.get(TCA_TBF.PARMS);
  if (!p || p.length < TBF_QOPT_LEN) return undefined;
  const rateSpec = decodeRatespec(p, 0);
  const peakSpec = decodeRatespec(p, RATESPEC_LEN);
  const rate64 = m.u64(TCA_TBF.RATE64);
  const prate64 = m.u64(TCA_TBF.PRATE64);
  return {
    rate: rate64 !== undefined ? Number(rate64) : rateSpec.rate,
    peakrate: prate64 !== undefined ? Number(prate64) : peakSpec.rate,
    limit: p.readUInt32LE(24),
    buffer: p.readUInt32LE(28),
    mtu: p.readUInt32LE(32),
    rateSpec,
    peakSpec,
  };
}

/** The bucket in bytes, as `tc qdisc show` prints `burst`. */
export const tbfBurst = (d: Pick<TbfData, 'rate' | 'buffer'>, clock: PschedClock): number =>
  xmitsize(d.rate, d.buffer, clock);

/** The queueing latency in µs, as `tc qdisc show` prints `lat` (tc/q_tbf.c). */
export function tbfLatency(d: Pick<TbfData, 'rate' | 'buffer' | 'limit' | 'peakrate' | 'mtu'>, clock: PschedClock): number {
  let lat = TIME_UNITS_PER_SEC * (d.limit / d.rate) - tick2time(d.buffer, clock);
  if (d.peakrate) {
    const lat2 = TIME_UNITS_PER_SEC * (d.limit / d.peakrate) - tick2time(d.mtu, clock);
    if (lat2 > lat) lat = lat2;
  }
  return lat;
}

/** The arguments of `tc qdisc add ... tbf`, in bytes, bytes/s and µs. */
export interface TcTbfArgs {
  rate: number;
  /** the bucket, bytes. */
  burst: number;
  /** either a limit in bytes ... */
  limit?: number;
  /** ... or a latency in µs. */
  latency?: number;
  peakrate?: number;
  /** the peak bucket in bytes (needed with peakrate). */
  mtu?: number;
  mpu?: number;
  overhead?: number;
  linklayer?: Linklayer;
}

/**
 * What `tc qdisc add ... tbf rate R burst B latency L|limit N [peakrate P mtu M]` sends (iproute2
 * tc/q_tbf.c): the limit from the latency, the buffer and peak bucket in ticks (rounded up), the
 * burst in bytes, the rate tables. Requests built from it are byte-identical to tc's.
 */
export function tbfFromTcArgs(a: TcTbfArgs, clock: PschedClock): TbfOptions {
  const rate32 = Math.min(a.rate, U32_MAX);
  let limit = a.limit ?? 0;
  if (!limit) {
    // the same double arithmetic as tc, truncated to u32 at the end
    let lim = (a.rate * (a.latency ?? 0)) / TIME_UNITS_PER_SEC + a.burst;
    if (a.peakrate) lim = Math.min(lim, (a.peakrate * (a.latency ?? 0)) / TIME_UNITS_PER_SEC + (a.mtu ?? 0));
    limit = Math.trunc(lim);
  }
  const linklayer = a.linklayer ?? 'ethernet';
  const spec = { mpu: a.mpu ?? 0, overhead: a.overhead ?? 0, linklayer: LINKLAYER[linklayer], cellAlign: -1 };
  const r = calcRtable(rate32, clock, { mtu: a.mtu ?? 0, mpu: spec.mpu, linklayer });
  const o: TbfOptions = {
    rate: a.rate,
    buffer: xmittime(rate32, a.burst, clock),
    limit,
    rateSpec: { ...spec, cellLog: r.cellLog },
    rtab: r.table,
  };
  if (a.burst < TWO_32) o.burst = a.burst;
  if (a.peakrate) {
    const prate32 = Math.min(a.peakrate, U32_MAX);
    const p = calcRtable(prate32, clock, { mtu: a.mtu ?? 0, mpu: spec.mpu, linklayer });
    o.peakrate = a.peakrate;
    o.peakSpec = { ...spec, cellLog: p.cellLog };
    o.ptab = p.table;
    o.mtu = xmittime(prate32, a.mtu ?? 0, clock);
    o.pburst = a.mtu ?? 0;
  }
  return o;
}
