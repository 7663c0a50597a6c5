import { AttrMap, NLA_F_NESTED, nla, type Attr, encodeAttrs } from './attr';
import { AF_BRIDGE, IFLA, IFLA_INFO, OPERSTATES, VETH_INFO_PEER } from './constants';
import { formatMAC, parseMAC } from './ip';
import { decodeBridgeAfSpec, decodeBridgePort, encodeBridgeAfSpec, encodeBridgePort, type BridgeAfSpec, type BridgePortData } from './bridge';
import {
  decodeBridge,
  decodeIpvlan,
  decodeMacvlan,
  decodeTun,
  decodeVlan,
  decodeVrf,
  encodeBridge,
  encodeIpvlan,
  encodeMacvlan,
  encodeVlan,
  encodeVrf,
  type BridgeData,
  type IpvlanData,
  type MacvlanData,
  type TunData,
  type VlanData,
  type VrfData,
} from './link-kinds';

/** struct ifinfomsg */
export interface IfInfoMsg {
  family: number;
  /** ARPHRD_* */
  type: number;
  index: number;
  flags: number;
  change: number;
}

export const IFINFOMSG_LEN = 16;

export function encodeIfinfo(m: Partial<IfInfoMsg>): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeUInt16LE(m.type ?? 0, 2);
  b.writeInt32LE(m.index ?? 0, 4);
  b.writeUInt32LE((m.flags ?? 0) >>> 0, 8);
  b.writeUInt32LE((m.change ?? 0) >>> 0, 12);
  return b;
}

export function decodeIfinfo(b: Buffer): IfInfoMsg {
  return {
    family: b.readUInt8(0),
    type: b.readUInt16LE(2),
    index: b.readInt32LE(4),
    flags: b.readUInt32LE(8),
    change: b.readUInt32LE(12),
  };
}

export interface LinkStats {
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  rxErrors: number;
  txErrors: number;
  rxDropped: number;
  txDropped: number;
  multicast: number;
  collisions: number;
}

const STATS_FIELDS: (keyof LinkStats)[] = [
  'rxPackets',
  'txPackets',
  'rxBytes',
  'txBytes',
  'rxErrors',
  'txErrors',
  'rxDropped',
  'txDropped',
  'multicast',
  'collisions',
];

function decodeStats64(b: Buffer): LinkStats {
  const s = {} as LinkStats;
  STATS_FIELDS.forEach((k, i) => {
    s[k] = b.length >= (i + 1) * 8 ? Number(b.readBigUInt64LE(i * 8)) : 0;
  });
  return s;
}

/** IFLA_INFO_DATA, typed for the kinds we know; `raw` keeps the attributes of any other kind. */
export type LinkKindData =
  | ({ kind: 'veth' } & { peer?: LinkMessage })
  | ({ kind: 'macvlan' | 'macvtap' } & MacvlanData)
  | ({ kind: 'ipvlan' | 'ipvtap' } & IpvlanData)
  | ({ kind: 'vlan' } & VlanData)
  | ({ kind: 'vrf' } & VrfData)
  | ({ kind: 'bridge' } & BridgeData)
  | ({ kind: 'tun' } & TunData)
  | { kind: string; raw?: Attr[] };

/** IFLA_LINKINFO */
export interface LinkInfo {
  kind?: string;
  data?: LinkKindData;
  slaveKind?: string;
  slaveData?: BridgePortData;
}

/**
 * A typed ifinfomsg + attributes: what RTM_NEWLINK/GETLINK/SETLINK/DELLINK carry in either
 * direction. Every attribute is optional; requests set only what they change.
 */
export interface LinkMessage extends Partial<IfInfoMsg> {
  name?: string;
  mtu?: number;
  txqlen?: number;
  mac?: string;
  broadcast?: string;
  permMac?: string;
  /** IFLA_LINK: the parent (macvlan, vlan) or the veth peer's index. */
  parent?: number;
  linkNetnsId?: number;
  master?: number;
  alias?: string;
  operstate?: number;
  linkmode?: number;
  group?: number;
  promiscuity?: number;
  allmulti?: number;
  numTxQueues?: number;
  numRxQueues?: number;
  carrier?: boolean;
  minMtu?: number;
  maxMtu?: number;
  netnsFd?: number;
  netnsPid?: number;
  extMask?: number;
  qdisc?: string;
  info?: LinkInfo;
  /** IFLA_PROTINFO of AF_BRIDGE messages. */
  protinfo?: BridgePortData;
  /** IFLA_AF_SPEC of AF_BRIDGE messages. */
  bridge?: BridgeAfSpec;
  stats?: LinkStats;
}

export function operstateName(n: number | undefined): string {
  return n === undefined ? 'unknown' : (OPERSTATES[n] ?? 'unknown');
}

function decodeInfo(m: AttrMap): LinkInfo {
  const info: LinkInfo = {};
  const kind = m.str(IFLA_INFO.KIND);
  if (kind !== undefined) info.kind = kind;
  const data = m.nested(IFLA_INFO.DATA);
  if (kind !== undefined && data) info.data = decodeKindData(kind, data);
  const slaveKind = m.str(IFLA_INFO.SLAVE_KIND);
  if (slaveKind !== undefined) info.slaveKind = slaveKind;
  const slave = m.nested(IFLA_INFO.SLAVE_DATA);
  if (slave && slaveKind === 'bridge') info.slaveData = decodeBridgePort(slave);
  return info;
}

function decodeKindData(kind: string, m: AttrMap): LinkKindData {
  switch (kind) {
    case 'veth': {
      const peer = m.get(VETH_INFO_PEER);
      return peer && peer.length >= 16 ? { kind, peer: decodeLinkMessage(peer) } : { kind };
    }
    case 'macvlan':
    case 'macvtap':
      return { kind, ...decodeMacvlan(m) };
    case 'ipvlan':
    case 'ipvtap':
      return { kind, ...decodeIpvlan(m) };
    case 'vlan':
      return { kind, ...decodeVlan(m) };
    case 'vrf':
      return { kind, ...decodeVrf(m) };
    case 'bridge':
      return { kind, ...decodeBridge(m) };
    case 'tun':
      return { kind, ...decodeTun(m) };
    default:
      return { kind, raw: m.list };
  }
}

function encodeKindData(d: LinkKindData): Attr[] {
  const { kind, ...rest } = d as { kind: string } & Record<string, unknown>;
  switch (kind) {
    case 'veth': {
      const peer = rest.peer as LinkMessage | undefined;
      return peer ? [nla.raw(VETH_INFO_PEER, encodeLinkMessage(peer))] : [];
    }
    case 'macvlan':
    case 'macvtap':
      return encodeMacvlan(rest as MacvlanData);
    case 'ipvlan':
    case 'ipvtap':
      return encodeIpvlan(rest as IpvlanData);
    case 'vlan':
      return encodeVlan(rest as VlanData);
    case 'vrf':
      return encodeVrf(rest as VrfData);
    case 'bridge':
      return encodeBridge(rest as BridgeData);
    default:
      return (rest.raw as Attr[] | undefined) ?? [];
  }
}

function encodeInfo(info: LinkInfo): Attr {
  const children: Attr[] = [];
  // iproute2 sends the kind without a terminating NUL; the kernel accepts either.
  if (info.kind !== undefined) children.push(nla.strRaw(IFLA_INFO.KIND, info.kind));
  if (info.data) children.push(nla.nest(IFLA_INFO.DATA, encodeKindData(info.data)));
  if (info.slaveKind !== undefined) children.push(nla.str(IFLA_INFO.SLAVE_KIND, info.slaveKind));
  if (info.slaveData) children.push(nla.nest(IFLA_INFO.SLAVE_DATA, encodeBridgePort(info.slaveData)));
  return nla.nest(IFLA.LINKINFO, children);
}

/** Decodes an ifinfomsg and its attributes (the payload of a link message). */
export function decodeLinkMessage(data: Buffer): LinkMessage {
  const m: LinkMessage = decodeIfinfo(data);
  const a = new AttrMap(data.subarray(IFINFOMSG_LEN));
  const str = (t: number) => a.str(t);
  const u32 = (t: number) => a.u32(t);
  const set = <K extends keyof LinkMessage>(k: K, v: LinkMessage[K] | undefined) => {
    if (v !== undefined) m[k] = v;
  };
  set('name', str(IFLA.IFNAME));
  set('mtu', u32(IFLA.MTU));
  set('txqlen', u32(IFLA.TXQLEN));
  const mac = a.get(IFLA.ADDRESS);
  if (mac) m.mac = formatMAC(mac);
  const brd = a.get(IFLA.BROADCAST);
  if (brd) m.broadcast = formatMAC(brd);
  const perm = a.get(IFLA.PERM_ADDRESS);
  if (perm) m.permMac = formatMAC(perm);
  set('parent', u32(IFLA.LINK));
  set('linkNetnsId', a.i32(IFLA.LINK_NETNSID));
  set('master', u32(IFLA.MASTER));
  set('alias', str(IFLA.IFALIAS));
  set('operstate', a.u8(IFLA.OPERSTATE));
  set('linkmode', a.u8(IFLA.LINKMODE));
  set('group', u32(IFLA.GROUP));
  set('promiscuity', u32(IFLA.PROMISCUITY));
  set('allmulti', u32(IFLA.ALLMULTI));
  set('numTxQueues', u32(IFLA.NUM_TX_QUEUES));
  set('numRxQueues', u32(IFLA.NUM_RX_QUEUES));
  const carrier = a.u8(IFLA.CARRIER);
  if (carrier !== undefined) m.carrier = carrier !== 0;
  set('minMtu', u32(IFLA.MIN_MTU));
  set('maxMtu', u32(IFLA.MAX_MTU));
  set('netnsFd', u32(IFLA.NET_NS_FD));
  set('netnsPid', u32(IFLA.NET_NS_PID));
  set('extMask', u32(IFLA.EXT_MASK));
  set('qdisc', str(IFLA.QDISC));
  const info = a.nested(IFLA.LINKINFO);
  if (info) m.info = decodeInfo(info);
  const prot = a.nested(IFLA.PROTINFO);
  if (prot && m.family === AF_BRIDGE) m.protinfo = decodeBridgePort(prot);
  const af = a.nested(IFLA.AF_SPEC);
  if (af && m.family === AF_BRIDGE) m.bridge = decodeBridgeAfSpec(af);
  const stats = a.get(IFLA.STATS64);
  if (stats) m.stats = decodeStats64(stats);
  return m;
}

/**
 * Encodes a link message. The attribute order is iproute2's, so requests built from the same
 * options are byte-identical to the ones `ip link` sends (the codec tests rely on this).
 * Read-only attributes (stats, carrier, min/max MTU, ...) are never encoded.
 */
export function encodeLinkMessage(m: LinkMessage): Buffer {
  const attrs: Attr[] = [];
  if (m.extMask !== undefined) attrs.push(nla.u32(IFLA.EXT_MASK, m.extMask));
  if (m.mtu !== undefined) attrs.push(nla.u32(IFLA.MTU, m.mtu));
  if (m.mac !== undefined) attrs.push(nla.raw(IFLA.ADDRESS, parseMAC(m.mac)));
  if (m.broadcast !== undefined) attrs.push(nla.raw(IFLA.BROADCAST, parseMAC(m.broadcast)));
  if (m.txqlen !== undefined) attrs.push(nla.u32(IFLA.TXQLEN, m.txqlen));
  if (m.parent !== undefined) attrs.push(nla.u32(IFLA.LINK, m.parent));
  if (m.netnsFd !== undefined) attrs.push(nla.u32(IFLA.NET_NS_FD, m.netnsFd));
  if (m.netnsPid !== undefined) attrs.push(nla.u32(IFLA.NET_NS_PID, m.netnsPid));
  if (m.name !== undefined) attrs.push(nla.str(IFLA.IFNAME, m.name));
  if (m.master !== undefined) attrs.push(nla.u32(IFLA.MASTER, m.master));
  if (m.alias !== undefined) attrs.push(nla.strRaw(IFLA.IFALIAS, m.alias));
  if (m.operstate !== undefined) attrs.push(nla.u8(IFLA.OPERSTATE, m.operstate));
  if (m.linkmode !== undefined) attrs.push(nla.u8(IFLA.LINKMODE, m.linkmode));
  if (m.group !== undefined) attrs.push(nla.u32(IFLA.GROUP, m.group));
  if (m.numTxQueues !== undefined) attrs.push(nla.u32(IFLA.NUM_TX_QUEUES, m.numTxQueues));
  if (m.numRxQueues !== undefined) attrs.push(nla.u32(IFLA.NUM_RX_QUEUES, m.numRxQueues));
  if (m.info) attrs.push(encodeInfo(m.info));
  if (m.protinfo) attrs.push(nla.nest(IFLA.PROTINFO | NLA_F_NESTED, encodeBridgePort(m.protinfo)));
  if (m.bridge) attrs.push(nla.nest(IFLA.AF_SPEC, encodeBridgeAfSpec(m.bridge)));
  return Buffer.concat([encodeIfinfo(m), encodeAttrs(attrs)]);
}
