import { AttrMap, encodeAttrs, nla, type Attr } from './attr';
import { RTA, RTAX } from './constants';
import { formatIP, parseIP } from './ip';

/** struct rtmsg */
export interface RtMsg {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
}

export const RTMSG_LEN = 12;

/** One hop of RTA_MULTIPATH (struct rtnexthop + its attributes). */
export interface NextHop {
  ifindex: number;
  /** rtnh_hops: weight - 1 */
  hops: number;
  flags: number;
  gateway?: string;
}

export interface RouteMetrics {
  mtu?: number;
  advmss?: number;
  hoplimit?: number;
  initcwnd?: number;
  initrwnd?: number;
  window?: number;
  lock?: number;
}

export interface RouteMessage extends Partial<RtMsg> {
  dst?: string;
  src?: string;
  prefsrc?: string;
  gateway?: string;
  /** RTA_VIA: a gateway of another family (IPv4 route via an IPv6 neighbour). */
  via?: string;
  oif?: number;
  iif?: number;
  priority?: number;
  /** RTA_TABLE: the full 32-bit table id. */
  tableId?: number;
  mark?: number;
  pref?: number;
  expires?: number;
  metrics?: RouteMetrics;
  multipath?: NextHop[];
}

export function encodeRtmsg(m: Partial<RtMsg>): Buffer {
  const b = Buffer.alloc(RTMSG_LEN);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeUInt8(m.dstLen ?? 0, 1);
  b.writeUInt8(m.srcLen ?? 0, 2);
  b.writeUInt8(m.tos ?? 0, 3);
  b.writeUInt8(m.table ?? 0, 4);
  b.writeUInt8(m.protocol ?? 0, 5);
  b.writeUInt8(m.scope ?? 0, 6);
  b.writeUInt8(m.type ?? 0, 7);
  b.writeUInt32LE((m.flags ?? 0) >>> 0, 8);
  return b;
}

const METRIC_FIELDS: [keyof RouteMetrics, number][] = [
  ['lock', RTAX.LOCK],
  ['mtu', RTAX.MTU],
  ['window', RTAX.WINDOW],
  ['advmss', RTAX.ADVMSS],
  ['hoplimit', RTAX.HOPLIMIT],
  ['initcwnd', RTAX.INITCWND],
  ['initrwnd', RTAX.INITRWND],
];

function decodeVia(b: Buffer): string {
  return formatIP(b.subarray(2));
}

function encodeVia(ip: string): Buffer {
  const addr = parseIP(ip);
  const b = Buffer.alloc(2 + addr.length);
  b.writeUInt16LE(addr.length === 4 ? 2 : 10, 0);
  addr.copy(b, 2);
  return b;
}

function decodeMultipath(b: Buffer): NextHop[] {
  const out: NextHop[] = [];
  let off = 0;
  while (off + 8 <= b.length) {
    const len = b.readUInt16LE(off);
    if (len < 8 || off + len > b.length) break;
    const hop: NextHop = { flags: b.readUInt8(off + 2), hops: b.readUInt8(off + 3), ifindex: b.readInt32LE(off + 4) };
    const a = new AttrMap(b.subarray(off + 8, off + len));
    const gw = a.get(RTA.GATEWAY);
    if (gw) hop.gateway = formatIP(gw);
    const via = a.get(RTA.VIA);
    if (via) hop.gateway = decodeVia(via);
    out.push(hop);
    off += (len + 3) & ~3;
  }
  return out;
}

function encodeMultipath(hops: NextHop[]): Buffer {
  return Buffer.concat(
    hops.map((h) => {
      const attrs = h.gateway === undefined ? Buffer.alloc(0) : encodeAttrs([nla.raw(RTA.GATEWAY, parseIP(h.gateway))]);
      const head = Buffer.alloc(8);
      head.writeUInt16LE(8 + attrs.length, 0);
      head.writeUInt8(h.flags, 2);
      head.writeUInt8(h.hops, 3);
      head.writeInt32LE(h.ifindex, 4);
      return Buffer.concat([head, attrs]);
    }),
  );
}

export function decodeRouteMessage(data: Buffer): RouteMessage {
  const m: RouteMessage = {
    family: data.readUInt8(0),
    dstLen: data.readUInt8(1),
    srcLen: data.readUInt8(2),
    tos: data.readUInt8(3),
    table: data.readUInt8(4),
    protocol: data.readUInt8(5),
    scope: data.readUInt8(6),
    type: data.readUInt8(7),
    flags: data.readUInt32LE(8),
  };
  const a = new AttrMap(data.subarray(RTMSG_LEN));
  const ip = (t: number) => {
    const b = a.get(t);
    return b ? formatIP(b) : undefined;
  };
  const set = <K extends keyof RouteMessage>(k: K, v: RouteMessage[K] | undefined) => {
    if (v !== undefined) m[k] = v;
  };
  set('dst', ip(RTA.DST));
  set('src', ip(RTA.SRC));
  set('prefsrc', ip(RTA.PREFSRC));
  set('gateway', ip(RTA.GATEWAY));
  const via = a.get(RTA.VIA);
  if (via) m.via = decodeVia(via);
  set('oif', a.u32(RTA.OIF));
  set('iif', a.u32(RTA.IIF));
  set('priority', a.u32(RTA.PRIORITY));
  set('tableId', a.u32(RTA.TABLE));
  set('mark', a.u32(RTA.MARK));
  set('pref', a.u8(RTA.PREF));
  set('expires', a.u32(RTA.EXPIRES));
  const metrics = a.nested(RTA.METRICS);
  if (metrics) {
    const r: RouteMetrics = {};
    for (const [k, t] of METRIC_FIELDS) {
      const v = metrics.u32(t);
      if (v !== undefined) r[k] = v;
    }
    m.metrics = r;
  }
  const mp = a.get(RTA.MULTIPATH);
  if (mp) m.multipath = decodeMultipath(mp);
  return m;
}

/** Encodes a route message in iproute2's attribute order (ip/iproute.c). */
export function encodeRouteMessage(m: RouteMessage): Buffer {
  const attrs: Attr[] = [];
  const ip = (t: number, s: string | undefined) => s !== undefined && attrs.push(nla.raw(t, parseIP(s)));
  ip(RTA.DST, m.dst);
  ip(RTA.SRC, m.src);
  ip(RTA.PREFSRC, m.prefsrc);
  ip(RTA.GATEWAY, m.gateway);
  if (m.via !== undefined) attrs.push(nla.raw(RTA.VIA, encodeVia(m.via)));
  if (m.priority !== undefined) attrs.push(nla.u32(RTA.PRIORITY, m.priority));
  if (m.iif !== undefined) attrs.push(nla.u32(RTA.IIF, m.iif));
  if (m.oif !== undefined) attrs.push(nla.u32(RTA.OIF, m.oif));
  if (m.mark !== undefined) attrs.push(nla.u32(RTA.MARK, m.mark));
  if (m.pref !== undefined) attrs.push(nla.u8(RTA.PREF, m.pref));
  if (m.expires !== undefined) attrs.push(nla.u32(RTA.EXPIRES, m.expires));
  if (m.tableId !== undefined) attrs.push(nla.u32(RTA.TABLE, m.tableId));
  if (m.metrics) {
    const sub: Attr[] = [];
    for (const [k, t] of METRIC_FIELDS) {
      const v = m.metrics[k];
      if (v !== undefined) sub.push(nla.u32(t, v));
    }
    if (sub.length) attrs.push(nla.nest(RTA.METRICS, sub));
  }
  if (m.multipath) attrs.push(nla.raw(RTA.MULTIPATH, encodeMultipath(m.multipath)));
  return Buffer.concat([encodeRtmsg(m), encodeAttrs(attrs)]);
}

