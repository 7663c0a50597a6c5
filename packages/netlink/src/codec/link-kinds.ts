import { AttrMap, nla, type Attr } from './attr';
import {
  ETH_P_8021AD,
  ETH_P_8021Q,
  IFLA_BR,
  IFLA_IPVLAN,
  IFLA_MACVLAN,
  IFLA_TUN,
  IFLA_VLAN,
  IFLA_VRF_TABLE,
  IPVLAN_FLAG,
  IPVLAN_MODE,
  MACVLAN_MACADDR,
  MACVLAN_MODE,
  nameOf,
} from './constants';
import { formatMAC, parseMAC } from './ip';

export type MacvlanMode = keyof typeof MACVLAN_MODE;
export type IpvlanMode = keyof typeof IPVLAN_MODE;
export type IpvlanFlag = keyof typeof IPVLAN_FLAG;

/** IFLA_INFO_DATA of macvlan / macvtap. */
export interface MacvlanData {
  mode?: MacvlanMode | number;
  flags?: number;
  /** source mode: how `macs` applies (set replaces the list). */
  macaddrMode?: keyof typeof MACVLAN_MACADDR | number;
  macs?: string[];
  macaddrCount?: number;
  bcQueueLen?: number;
  bcQueueLenUsed?: number;
}

export interface IpvlanData {
  mode?: IpvlanMode | number;
  flag?: IpvlanFlag | number;
}

export interface VlanData {
  id?: number;
  protocol?: '802.1Q' | '802.1ad' | number;
}

export interface VrfData {
  table?: number;
}

export interface TunData {
  type?: 'tun' | 'tap' | number;
  owner?: number;
  group?: number;
  pi?: boolean;
  vnetHdr?: boolean;
  persist?: boolean;
  multiQueue?: boolean;
  numQueues?: number;
}

export interface BridgeData {
  forwardDelay?: number;
  helloTime?: number;
  maxAge?: number;
  ageingTime?: number;
  stpState?: number;
  priority?: number;
  vlanFiltering?: boolean;
  vlanProtocol?: number;
  groupFwdMask?: number;
  mcastSnooping?: boolean;
  nfCallIptables?: boolean;
  nfCallIp6tables?: boolean;
  defaultPvid?: number;
  vlanStatsEnabled?: boolean;
}

const bool = (v: number | undefined) => (v === undefined ? undefined : v !== 0);
const b8 = (v: boolean) => (v ? 1 : 0);

export function decodeMacvlan(m: AttrMap): MacvlanData {
  const d: MacvlanData = {};
  const mode = m.u32(IFLA_MACVLAN.MODE);
  if (mode !== undefined) d.mode = nameOf(MACVLAN_MODE, mode);
  const flags = m.u16(IFLA_MACVLAN.FLAGS);
  if (flags !== undefined) d.flags = flags;
  const am = m.u32(IFLA_MACVLAN.MACADDR_MODE);
  if (am !== undefined) d.macaddrMode = nameOf(MACVLAN_MACADDR, am);
  const list = m.nested(IFLA_MACVLAN.MACADDR_DATA);
  if (list) d.macs = list.all(IFLA_MACVLAN.MACADDR).map(formatMAC);
  const count = m.u32(IFLA_MACVLAN.MACADDR_COUNT);
  if (count !== undefined) d.macaddrCount = count;
  const bcq = m.u32(IFLA_MACVLAN.BC_QUEUE_LEN);
  if (bcq !== undefined) d.bcQueueLen = bcq;
  const used = m.u32(IFLA_MACVLAN.BC_QUEUE_LEN_USED);
  if (used !== undefined) d.bcQueueLenUsed = used;
  return d;
}

const num = <T extends Record<string, number>>(table: T, v: keyof T | number): number =>
  typeof v === 'number' ? v : table[v]!;

// Attribute order follows iproute2 (ip/iplink_macvlan.c), so requests are byte-identical to its own.
export function encodeMacvlan(d: MacvlanData): Attr[] {
  const out: Attr[] = [];
  if (d.bcQueueLen !== undefined) out.push(nla.u32(IFLA_MACVLAN.BC_QUEUE_LEN, d.bcQueueLen));
  if (d.macaddrMode !== undefined) out.push(nla.u32(IFLA_MACVLAN.MACADDR_MODE, num(MACVLAN_MACADDR, d.macaddrMode)));
  if (d.macs !== undefined) {
    out.push(nla.nest(IFLA_MACVLAN.MACADDR_DATA, d.macs.map((m) => nla.raw(IFLA_MACVLAN.MACADDR, parseMAC(m)))));
  }
  if (d.flags !== undefined) out.push(nla.u16(IFLA_MACVLAN.FLAGS, d.flags));
  if (d.mode !== undefined) out.push(nla.u32(IFLA_MACVLAN.MODE, num(MACVLAN_MODE, d.mode)));
  return out;
}

export function decodeIpvlan(m: AttrMap): IpvlanData {
  const d: IpvlanData = {};
  const mode = m.u16(IFLA_IPVLAN.MODE);
  if (mode !== undefined) d.mode = nameOf(IPVLAN_MODE, mode);
  const flag = m.u16(IFLA_IPVLAN.FLAGS);
  if (flag !== undefined) d.flag = nameOf(IPVLAN_FLAG, flag);
  return d;
}

export function encodeIpvlan(d: IpvlanData): Attr[] {
  const out: Attr[] = [];
  if (d.mode !== undefined) out.push(nla.u16(IFLA_IPVLAN.MODE, num(IPVLAN_MODE, d.mode)));
  if (d.flag !== undefined) out.push(nla.u16(IFLA_IPVLAN.FLAGS, num(IPVLAN_FLAG, d.flag)));
  return out;
}

export function decodeVlan(m: AttrMap): VlanData {
  const d: VlanData = {};
  const id = m.u16(IFLA_VLAN.ID);
  if (id !== undefined) d.id = id;
  const proto = m.be16(IFLA_VLAN.PROTOCOL);
  if (proto !== undefined) d.protocol = proto === ETH_P_8021Q ? '802.1Q' : proto === ETH_P_8021AD ? '802.1ad' : proto;
  return d;
}

export function encodeVlan(d: VlanData): Attr[] {
  const out: Attr[] = [];
  if (d.protocol !== undefined) {
    const p = d.protocol === '802.1Q' ? ETH_P_8021Q : d.protocol === '802.1ad' ? ETH_P_8021AD : d.protocol;
    out.push(nla.be16(IFLA_VLAN.PROTOCOL, p));
  }
  if (d.id !== undefined) out.push(nla.u16(IFLA_VLAN.ID, d.id));
  return out;
}

export function decodeVrf(m: AttrMap): VrfData {
  const table = m.u32(IFLA_VRF_TABLE);
  return table === undefined ? {} : { table };
}

export function encodeVrf(d: VrfData): Attr[] {
  return d.table === undefined ? [] : [nla.u32(IFLA_VRF_TABLE, d.table)];
}

export function decodeTun(m: AttrMap): TunData {
  const d: TunData = {};
  const type = m.u8(IFLA_TUN.TYPE);
  if (type !== undefined) d.type = type === 1 ? 'tun' : type === 2 ? 'tap' : type;
  const owner = m.u32(IFLA_TUN.OWNER);
  if (owner !== undefined) d.owner = owner;
  const group = m.u32(IFLA_TUN.GROUP);
  if (group !== undefined) d.group = group;
  const flags: [keyof TunData, number][] = [
    ['pi', IFLA_TUN.PI],
    ['vnetHdr', IFLA_TUN.VNET_HDR],
    ['persist', IFLA_TUN.PERSIST],
    ['multiQueue', IFLA_TUN.MULTI_QUEUE],
  ];
  for (const [k, t] of flags) {
    const v = bool(m.u8(t));
    if (v !== undefined) (d as Record<string, unknown>)[k] = v;
  }
  const nq = m.u32(IFLA_TUN.NUM_QUEUES);
  if (nq !== undefined) d.numQueues = nq;
  return d;
}

// [field, attribute, width]; the order is iproute2's (ip/iplink_bridge.c) for the options it shares.
const BRIDGE_FIELDS: [keyof BridgeData, number, 'u8' | 'u16' | 'u32' | 'be16'][] = [
  ['forwardDelay', IFLA_BR.FORWARD_DELAY, 'u32'],
  ['helloTime', IFLA_BR.HELLO_TIME, 'u32'],
  ['maxAge', IFLA_BR.MAX_AGE, 'u32'],
  ['ageingTime', IFLA_BR.AGEING_TIME, 'u32'],
  ['priority', IFLA_BR.PRIORITY, 'u16'],
  ['groupFwdMask', IFLA_BR.GROUP_FWD_MASK, 'u16'],
  ['vlanFiltering', IFLA_BR.VLAN_FILTERING, 'u8'],
  ['vlanProtocol', IFLA_BR.VLAN_PROTOCOL, 'be16'],
  ['defaultPvid', IFLA_BR.VLAN_DEFAULT_PVID, 'u16'],
  ['vlanStatsEnabled', IFLA_BR.VLAN_STATS_ENABLED, 'u8'],
  ['mcastSnooping', IFLA_BR.MCAST_SNOOPING, 'u8'],
  ['nfCallIptables', IFLA_BR.NF_CALL_IPTABLES, 'u8'],
  ['nfCallIp6tables', IFLA_BR.NF_CALL_IP6TABLES, 'u8'],
  ['stpState', IFLA_BR.STP_STATE, 'u32'],
];
const BRIDGE_BOOLS = new Set<keyof BridgeData>([
  'vlanFiltering',
  'vlanStatsEnabled',
  'mcastSnooping',
  'nfCallIptables',
  'nfCallIp6tables',
]);

export function decodeBridge(m: AttrMap): BridgeData {
  const d: Record<string, unknown> = {};
  for (const [k, t, w] of BRIDGE_FIELDS) {
    const v = m[w](t);
    if (v !== undefined) d[k] = BRIDGE_BOOLS.has(k) ? v !== 0 : v;
  }
  return d as BridgeData;
}

export function encodeBridge(d: BridgeData): Attr[] {
  const out: Attr[] = [];
  for (const [k, t, w] of BRIDGE_FIELDS) {
    const v = d[k];
    if (v === undefined) continue;
    out.push(nla[w](t, typeof v === 'boolean' ? b8(v) : v));
  }
  return out;
}
