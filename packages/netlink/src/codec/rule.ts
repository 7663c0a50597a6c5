import { AttrMap, encodeAttrs, nla, type Attr } from './attr';
import { FRA } from './constants';
import { formatIP, parseIP } from './ip';

/** struct fib_rule_hdr */
export interface FibRuleHdr {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  table: number;
  /** FR_ACT_* */
  action: number;
  /** FIB_RULE_* (INVERT = 2) */
  flags: number;
}

export const FIB_RULE_HDR_LEN = 12;

export interface PortRange {
  start: number;
  end: number;
}

export interface RuleMessage extends Partial<FibRuleHdr> {
  dst?: string;
  src?: string;
  iifname?: string;
  oifname?: string;
  goto?: number;
  priority?: number;
  fwmark?: number;
  fwmask?: number;
  flow?: number;
  tunId?: bigint;
  suppressIfgroup?: number;
  suppressPrefixlen?: number;
  tableId?: number;
  l3mdev?: number;
  uidRange?: PortRange;
  protocol?: number;
  ipProto?: number;
  sportRange?: PortRange;
  dportRange?: PortRange;
}

export function encodeRuleHdr(m: Partial<FibRuleHdr>): Buffer {
  const b = Buffer.alloc(FIB_RULE_HDR_LEN);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeUInt8(m.dstLen ?? 0, 1);
  b.writeUInt8(m.srcLen ?? 0, 2);
  b.writeUInt8(m.tos ?? 0, 3);
  b.writeUInt8(m.table ?? 0, 4);
  b.writeUInt8(m.action ?? 0, 7);
  b.writeUInt32LE((m.flags ?? 0) >>> 0, 8);
  return b;
}

const range = (b: Buffer | undefined, size: 2 | 4): PortRange | undefined =>
  b && b.length >= size * 2
    ? size === 2
      ? { start: b.readUInt16LE(0), end: b.readUInt16LE(2) }
      : { start: b.readUInt32LE(0), end: b.readUInt32LE(4) }
    : undefined;

function encodeRange(r: PortRange, size: 2 | 4): Buffer {
  const b = Buffer.alloc(size * 2);
  if (size === 2) {
    b.writeUInt16LE(r.start, 0);
    b.writeUInt16LE(r.end, 2);
  } else {
    b.writeUInt32LE(r.start, 0);
    b.writeUInt32LE(r.end, 4);
  }
  return b;
}

export function decodeRuleMessage(data: Buffer): RuleMessage {
  const m: RuleMessage = {
    family: data.readUInt8(0),
    dstLen: data.readUInt8(1),
    srcLen: data.readUInt8(2),
    tos: data.readUInt8(3),
    table: data.readUInt8(4),
    action: data.readUInt8(7),
    flags: data.readUInt32LE(8),
  };
  const a = new AttrMap(data.subarray(FIB_RULE_HDR_LEN));
  const set = <K extends keyof RuleMessage>(k: K, v: RuleMessage[K] | undefined) => {
    if (v !== undefined) m[k] = v;
  };
  const dst = a.get(FRA.DST);
  if (dst) m.dst = formatIP(dst);
  const src = a.get(FRA.SRC);
  if (src) m.src = formatIP(src);
  set('iifname', a.str(FRA.IIFNAME));
  set('oifname', a.str(FRA.OIFNAME));
  set('goto', a.u32(FRA.GOTO));
  set('priority', a.u32(FRA.PRIORITY));
  set('fwmark', a.u32(FRA.FWMARK));
  set('fwmask', a.u32(FRA.FWMASK));
  set('flow', a.u32(FRA.FLOW));
  const tun = a.get(FRA.TUN_ID);
  if (tun && tun.length >= 8) m.tunId = tun.readBigUInt64BE(0);
  set('suppressIfgroup', a.u32(FRA.SUPPRESS_IFGROUP));
  set('suppressPrefixlen', a.i32(FRA.SUPPRESS_PREFIXLEN));
  set('tableId', a.u32(FRA.TABLE));
  set('l3mdev', a.u8(FRA.L3MDEV));
  set('uidRange', range(a.get(FRA.UID_RANGE), 4));
  set('protocol', a.u8(FRA.PROTOCOL));
  set('ipProto', a.u8(FRA.IP_PROTO));
  set('sportRange', range(a.get(FRA.SPORT_RANGE), 2));
  set('dportRange', range(a.get(FRA.DPORT_RANGE), 2));
  return m;
}

/** Encodes a rule message in iproute2's attribute order (ip/iprule.c). */
export function encodeRuleMessage(m: RuleMessage): Buffer {
  const attrs: Attr[] = [];
  if (m.dst !== undefined) attrs.push(nla.raw(FRA.DST, parseIP(m.dst)));
  if (m.src !== undefined) attrs.push(nla.raw(FRA.SRC, parseIP(m.src)));
  if (m.fwmark !== undefined) attrs.push(nla.u32(FRA.FWMARK, m.fwmark));
  if (m.fwmask !== undefined) attrs.push(nla.u32(FRA.FWMASK, m.fwmask));
  if (m.flow !== undefined) attrs.push(nla.u32(FRA.FLOW, m.flow));
  if (m.tunId !== undefined) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(m.tunId);
    attrs.push(nla.raw(FRA.TUN_ID, b));
  }
  if (m.iifname !== undefined) attrs.push(nla.str(FRA.IIFNAME, m.iifname));
  if (m.oifname !== undefined) attrs.push(nla.str(FRA.OIFNAME, m.oifname));
  if (m.l3mdev !== undefined) attrs.push(nla.u8(FRA.L3MDEV, m.l3mdev));
  if (m.uidRange !== undefined) attrs.push(nla.raw(FRA.UID_RANGE, encodeRange(m.uidRange, 4)));
  if (m.ipProto !== undefined) attrs.push(nla.u8(FRA.IP_PROTO, m.ipProto));
  if (m.sportRange !== undefined) attrs.push(nla.raw(FRA.SPORT_RANGE, encodeRange(m.sportRange, 2)));
  if (m.dportRange !== undefined) attrs.push(nla.raw(FRA.DPORT_RANGE, encodeRange(m.dportRange, 2)));
  if (m.protocol !== undefined) attrs.push(nla.u8(FRA.PROTOCOL, m.protocol));
  if (m.tableId !== undefined) attrs.push(nla.u32(FRA.TABLE, m.tableId));
  if (m.suppressPrefixlen !== undefined) attrs.push(nla.i32(FRA.SUPPRESS_PREFIXLEN, m.suppressPrefixlen));
  if (m.suppressIfgroup !== undefined) attrs.push(nla.u32(FRA.SUPPRESS_IFGROUP, m.suppressIfgroup));
  if (m.goto !== undefined) attrs.push(nla.u32(FRA.GOTO, m.goto));
  if (m.priority !== undefined) attrs.push(nla.u32(FRA.PRIORITY, m.priority));
  return Buffer.concat([encodeRuleHdr(m), encodeAttrs(attrs)]);
}
