import { AttrMap, NLA_F_NESTED, nla, type Attr } from './attr';
import { BRIDGE_FLAGS, BRIDGE_VLAN_INFO, IFLA_BRIDGE, IFLA_BRPORT } from './constants';

/** Bridge port options (IFLA_BRPORT_*), from IFLA_PROTINFO or IFLA_INFO_SLAVE_DATA. */
export interface BridgePortData {
  state?: number;
  priority?: number;
  cost?: number;
  hairpin?: boolean;
  guard?: boolean;
  protect?: boolean;
  fastLeave?: boolean;
  learning?: boolean;
  /** unicast flooding (`bridge link set ... flood`). */
  flood?: boolean;
  mcastFlood?: boolean;
  bcastFlood?: boolean;
  proxyArp?: boolean;
  neighSuppress?: boolean;
  isolated?: boolean;
}

// iproute2's order (bridge/link.c), so a port request is byte-identical to `bridge link set`'s.
const PORT_FIELDS: [keyof BridgePortData, number, 'u8' | 'u16' | 'u32'][] = [
  ['fastLeave', IFLA_BRPORT.FAST_LEAVE, 'u8'],
  ['hairpin', IFLA_BRPORT.MODE, 'u8'],
  ['guard', IFLA_BRPORT.GUARD, 'u8'],
  ['protect', IFLA_BRPORT.PROTECT, 'u8'],
  ['flood', IFLA_BRPORT.UNICAST_FLOOD, 'u8'],
  ['mcastFlood', IFLA_BRPORT.MCAST_FLOOD, 'u8'],
  ['bcastFlood', IFLA_BRPORT.BCAST_FLOOD, 'u8'],
  ['learning', IFLA_BRPORT.LEARNING, 'u8'],
  ['cost', IFLA_BRPORT.COST, 'u32'],
  ['priority', IFLA_BRPORT.PRIORITY, 'u16'],
  ['state', IFLA_BRPORT.STATE, 'u8'],
  ['proxyArp', IFLA_BRPORT.PROXYARP, 'u8'],
  ['neighSuppress', IFLA_BRPORT.NEIGH_SUPPRESS, 'u8'],
  ['isolated', IFLA_BRPORT.ISOLATED, 'u8'],
];
const PORT_NUMBERS = new Set<keyof BridgePortData>(['cost', 'priority', 'state']);

export function decodeBridgePort(m: AttrMap): BridgePortData {
  const d: Record<string, unknown> = {};
  for (const [k, t, w] of PORT_FIELDS) {
    const v = m[w](t);
    if (v !== undefined) d[k] = PORT_NUMBERS.has(k) ? v : v !== 0;
  }
  return d as BridgePortData;
}

export function encodeBridgePort(d: BridgePortData): Attr[] {
  const out: Attr[] = [];
  for (const [k, t, w] of PORT_FIELDS) {
    const v = d[k];
    if (v === undefined) continue;
    out.push(nla[w](t, typeof v === 'boolean' ? (v ? 1 : 0) : v));
  }
  return out;
}

/** IFLA_PROTINFO for an AF_BRIDGE RTM_SETLINK (the kernel wants NLA_F_NESTED here). */
export function protinfoAttr(type: number, d: BridgePortData): Attr {
  return nla.nest(type | NLA_F_NESTED, encodeBridgePort(d));
}

/** One VLAN of a bridge port (struct bridge_vlan_info). */
export interface BridgeVlanInfo {
  vid: number;
  pvid?: boolean;
  untagged?: boolean;
  /** raw BRIDGE_VLAN_INFO_* flags as the kernel reported them. */
  flags?: number;
}

/** The IFLA_AF_SPEC of an AF_BRIDGE link message: bridge flags and VLAN entries. */
export interface BridgeAfSpec {
  /** IFLA_BRIDGE_FLAGS: 'master' (the bridge), 'self' (the device itself), or both. */
  target?: { master?: boolean; self?: boolean };
  vlans?: BridgeVlanInfo[];
}

export function decodeBridgeAfSpec(m: AttrMap): BridgeAfSpec {
  const d: BridgeAfSpec = {};
  const flags = m.u16(IFLA_BRIDGE.FLAGS);
  if (flags !== undefined) {
    d.target = { master: (flags & BRIDGE_FLAGS.MASTER) !== 0, self: (flags & BRIDGE_FLAGS.SELF) !== 0 };
  }
  const vlans = m.all(IFLA_BRIDGE.VLAN_INFO).filter((b) => b.length >= 4);
  if (vlans.length) {
    d.vlans = vlans.map((b) => {
      const vflags = b.readUInt16LE(0);
      return {
        vid: b.readUInt16LE(2),
        pvid: (vflags & BRIDGE_VLAN_INFO.PVID) !== 0,
        untagged: (vflags & BRIDGE_VLAN_INFO.UNTAGGED) !== 0,
        flags: vflags,
      };
    });
  }
  return d;
}

export function encodeBridgeAfSpec(d: BridgeAfSpec): Attr[] {
  const out: Attr[] = [];
  if (d.target) {
    const f = (d.target.master ? BRIDGE_FLAGS.MASTER : 0) | (d.target.self ? BRIDGE_FLAGS.SELF : 0);
    out.push(nla.u16(IFLA_BRIDGE.FLAGS, f));
  }
  for (const v of d.vlans ?? []) {
    const data = Buffer.alloc(4);
    const flags =
      v.flags ?? (v.pvid ? BRIDGE_VLAN_INFO.PVID : 0) | (v.untagged ? BRIDGE_VLAN_INFO.UNTAGGED : 0);
    data.writeUInt16LE(flags, 0);
    data.writeUInt16LE(v.vid, 2);
    out.push(nla.raw(IFLA_BRIDGE.VLAN_INFO, data));
  }
  return out;
}
