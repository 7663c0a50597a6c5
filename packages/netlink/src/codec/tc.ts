// Traffic control messages (struct tcmsg + TCA_* attributes): what RTM_{NEW,DEL,GET}QDISC and
// RTM_{NEW,DEL,GET}TFILTER carry. The kind-specific TCA_OPTIONS live beside this file, one file per
// object (qdisc-tbf.ts, qdisc-prio.ts, filter-u32.ts, action-mirred.ts). Values from
// linux/rtnetlink.h, linux/pkt_sched.h and linux/gen_stats.h; kept here, apart from constants.ts.
import { AttrMap, encodeAttrs, nla, type Attr } from './attr';

export const TC_RTM = {
  NEWQDISC: 36,
  DELQDISC: 37,
  GETQDISC: 38,
  NEWTCLASS: 40,
  DELTCLASS: 41,
  GETTCLASS: 42,
  NEWTFILTER: 44,
  DELTFILTER: 45,
  GETTFILTER: 46,
} as const;

export const TCA = {
  KIND: 1,
  OPTIONS: 2,
  STATS: 3,
  XSTATS: 4,
  RATE: 5,
  FCNT: 6,
  STATS2: 7,
  STAB: 8,
  PAD: 9,
  DUMP_INVISIBLE: 10,
  CHAIN: 11,
  HW_OFFLOAD: 12,
  INGRESS_BLOCK: 13,
  EGRESS_BLOCK: 14,
  DUMP_FLAGS: 15,
  EXT_WARN_MSG: 16,
} as const;

/** Nested in TCA_STATS2 (linux/gen_stats.h). */
export const TCA_STATS = { BASIC: 1, RATE_EST: 2, QUEUE: 3, APP: 4, RATE_EST64: 5, PAD: 6, BASIC_HW: 7, PKT64: 8 } as const;

/** Special handles (TC_H_*). A handle is major:minor, 16 bits each. */
export const TC_H = {
  UNSPEC: 0,
  ROOT: 0xffffffff,
  /** parent of the ingress and clsact qdiscs. */
  INGRESS: 0xfffffff1,
  CLSACT: 0xfffffff1,
  MIN_PRIORITY: 0xffe0,
  MIN_INGRESS: 0xfff2,
  MIN_EGRESS: 0xfff3,
} as const;

/** EtherType values a filter's protocol takes (host order; the tcmsg carries them big-endian). */
export const ETH_P = { all: 0x0003, ip: 0x0800, arp: 0x0806, ipv6: 0x86dd, '802.1Q': 0x8100, '802.1ad': 0x88a8 } as const;

export const makeHandle = (major: number, minor: number): number => (((major & 0xffff) << 16) | (minor & 0xffff)) >>> 0;
export const handleMajor = (h: number): number => (h >>> 16) & 0xffff;
export const handleMinor = (h: number): number => h & 0xffff;

/**
 * A handle as tc writes it: 'root', 'ingress' (= clsact, ffff:fff1), 'none' (0), 'major:' or
 * 'major:minor' in hex ('1:', 'ffff:', '1:1'), or a number (the raw 32 bits).
 */
export type TcHandle = number | string;

/** Parses a handle the way tc's get_tc_classid does; throws a RangeError on anything else. */
export function parseHandle(h: TcHandle): number {
  if (typeof h === 'number') {
    if (!Number.isInteger(h) || h < 0 || h > 0xffffffff) throw new RangeError(`invalid tc handle ${h}`);
    return h;
  }
  switch (h) {
    case 'root':
      return TC_H.ROOT;
    case 'ingress':
    case 'clsact':
      return TC_H.INGRESS;
    case 'none':
      return TC_H.UNSPEC;
  }
  const m = /^([0-9a-fA-F]{0,4}):([0-9a-fA-F]{0,4})$/.exec(h);
  if (!m || (m[1] === '' && m[2] === '')) throw new RangeError(`invalid tc handle "${h}"`);
  return makeHandle(m[1] ? parseInt(m[1], 16) : 0, m[2] ? parseInt(m[2], 16) : 0);
}

/** Formats a handle as tc prints it: 'root', '1:', '1:1', 'ffff:fff1'. */
export function formatHandle(h: number): string {
  if (h === TC_H.ROOT) return 'root';
  if (h === TC_H.UNSPEC) return 'none';
  const min = handleMinor(h);
  return `${handleMajor(h).toString(16)}:${min ? min.toString(16) : ''}`;
}

/** A filter's tcm_info: priority in the high 16 bits, the EtherType (network order) in the low. */
export const filterInfo = (priority: number, protocol: number): number =>
  makeHandle(priority, ((protocol & 0xff) << 8) | ((protocol >> 8) & 0xff));

/** The priority and EtherType (host order) of a filter's tcm_info. */
export function parseFilterInfo(info: number): { priority: number; protocol: number } {
  const p = handleMinor(info);
  return { priority: handleMajor(info), protocol: ((p & 0xff) << 8) | (p >> 8) };
}

/** struct tcmsg */
export interface TcMsgHeader {
  family: number;
  index: number;
  handle: number;
  parent: number;
  /** qdisc: refcnt in replies; filter: priority << 16 | htons(protocol). */
  info: number;
}

export const TCMSG_LEN = 20;

export function encodeTcmsg(m: Partial<TcMsgHeader>): Buffer {
  const b = Buffer.alloc(TCMSG_LEN);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeInt32LE(m.index ?? 0, 4);
  b.writeUInt32LE((m.handle ?? 0) >>> 0, 8);
  b.writeUInt32LE((m.parent ?? 0) >>> 0, 12);
  b.writeUInt32LE((m.info ?? 0) >>> 0, 16);
  return b;
}

export function decodeTcmsg(b: Buffer): TcMsgHeader {
  return {
    family: b.readUInt8(0),
    index: b.readInt32LE(4),
    handle: b.readUInt32LE(8),
    parent: b.readUInt32LE(12),
    info: b.readUInt32LE(16),
  };
}

/** Counters of a qdisc or action (TCA_STATS2: gnet_stats_basic + gnet_stats_queue). */
export interface TcStats {
  bytes: bigint;
  packets: number;
  qlen: number;
  backlog: number;
  drops: number;
  requeues: number;
  overlimits: number;
}

/** Decodes a TCA_STATS2 (or TCA_ACT_STATS) nest; missing parts read as zero. */
export function decodeTcStats(m: AttrMap): TcStats {
  const s: TcStats = { bytes: 0n, packets: 0, qlen: 0, backlog: 0, drops: 0, requeues: 0, overlimits: 0 };
  const basic = m.get(TCA_STATS.BASIC);
  if (basic && basic.length >= 12) {
    s.bytes = basic.readBigUInt64LE(0);
    s.packets = basic.readUInt32LE(8);
  }
  const pkt64 = m.u64(TCA_STATS.PKT64);
  if (pkt64 !== undefined) s.packets = Number(pkt64);
  const q = m.get(TCA_STATS.QUEUE);
  if (q && q.length >= 20) {
    s.qlen = q.readUInt32LE(0);
    s.backlog = q.readUInt32LE(4);
    s.drops = q.readUInt32LE(8);
    s.requeues = q.readUInt32LE(12);
    s.overlimits = q.readUInt32LE(16);
  }
  return s;
}

/** A tcmsg with its common attributes; `options` is the raw TCA_OPTIONS payload. */
export interface TcMessage extends Partial<TcMsgHeader> {
  kind?: string;
  options?: Buffer;
  chain?: number;
  ingressBlock?: number;
  egressBlock?: number;
  hwOffload?: boolean;
  stats?: TcStats;
}

export function decodeTcMessage(data: Buffer): TcMessage {
  const m: TcMessage = decodeTcmsg(data);
  const a = new AttrMap(data.subarray(TCMSG_LEN));
  const kind = a.str(TCA.KIND);
  if (kind !== undefined) m.kind = kind;
  const options = a.get(TCA.OPTIONS);
  if (options) m.options = options;
  const chain = a.u32(TCA.CHAIN);
  if (chain !== undefined) m.chain = chain;
  const ib = a.u32(TCA.INGRESS_BLOCK);
  if (ib !== undefined) m.ingressBlock = ib;
  const eb = a.u32(TCA.EGRESS_BLOCK);
  if (eb !== undefined) m.egressBlock = eb;
  const hw = a.u8(TCA.HW_OFFLOAD);
  if (hw !== undefined) m.hwOffload = hw !== 0;
  const stats = a.nested(TCA.STATS2);
  if (stats) m.stats = decodeTcStats(stats);
  return m;
}

/**
 * Encodes a tcmsg and its attributes in tc's order: TCA_KIND, TCA_CHAIN, then TCA_OPTIONS (a nest
 * of `optionAttrs`, or the raw `options` bytes; an empty `optionAttrs` still sends an empty
 * TCA_OPTIONS, as tc does for ingress), then the shared blocks.
 */
export function encodeTcMessage(m: TcMessage & { optionAttrs?: readonly Attr[] }): Buffer {
  const attrs: Attr[] = [];
  if (m.kind !== undefined) attrs.push(nla.str(TCA.KIND, m.kind));
  if (m.chain !== undefined) attrs.push(nla.u32(TCA.CHAIN, m.chain));
  if (m.optionAttrs) attrs.push(nla.nest(TCA.OPTIONS, m.optionAttrs));
  else if (m.options) attrs.push(nla.raw(TCA.OPTIONS, m.options));
  if (m.ingressBlock !== undefined) attrs.push(nla.u32(TCA.INGRESS_BLOCK, m.ingressBlock));
  if (m.egressBlock !== undefined) attrs.push(nla.u32(TCA.EGRESS_BLOCK, m.egressBlock));
  return Buffer.concat([encodeTcmsg(m), encodeAttrs(attrs)]);
}
