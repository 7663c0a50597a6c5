import type { BridgePortData } from '../codec/bridge';
import type {
  BridgeData,
  IpvlanFlag,
  IpvlanMode,
  MacvlanMode,
  TunData,
} from '../codec/link-kinds';
import type { LinkKindData, LinkStats } from '../codec/link';
import type { Netns } from '../netns';

/** A link, as the kernel reports it. */
export interface Link {
  index: number;
  name: string;
  /** ARPHRD_* (1 = ether, 772 = loopback). */
  type: number;
  /** IFF_* flags. */
  flags: number;
  /** IFF_UP is set (administratively up). */
  up: boolean;
  /** 'up', 'down', 'lowerlayerdown', 'unknown', ... (IFLA_OPERSTATE). */
  operState: string;
  mtu: number;
  minMtu?: number;
  maxMtu?: number;
  txqlen: number;
  mac?: string;
  broadcast?: string;
  permMac?: string;
  /** index of the master (bridge, vrf). */
  master?: number;
  /** IFLA_LINK: the parent of a macvlan/ipvlan/vlan, or the peer of a veth. */
  parentIndex?: number;
  /** set when the parent/peer lives in another namespace (its netns id as seen from here). */
  linkNetnsId?: number;
  alias?: string;
  /** IFF_PROMISC is set. */
  promisc: boolean;
  /** promiscuity counter (IFLA_PROMISCUITY). */
  promiscuity: number;
  /** IFF_ALLMULTI is set. */
  allmulti: boolean;
  numTxQueues?: number;
  numRxQueues?: number;
  group?: number;
  carrier?: boolean;
  /** 'veth', 'macvlan', 'bridge', ...; undefined for physical devices and lo. */
  kind?: string;
  /** kind-specific data (mode of a macvlan, vlan_filtering of a bridge, ...). */
  data?: LinkKindData;
  /** 'bridge' for a bridge port. */
  slaveKind?: string;
  /** bridge port options (hairpin, isolated, learning, flood) when this link is a bridge port. */
  port?: BridgePortData;
  stats?: LinkStats;
}

/** A link by name, by index, or a Link object. */
export type LinkRef = string | number | Pick<Link, 'index'> & Partial<Pick<Link, 'name'>>;

/** A namespace for IFLA_NET_NS_FD: an open Netns or a raw fd. */
export type NetnsTarget = Netns | number;

/** Options every new link may carry. */
export interface LinkCommon {
  name: string;
  mtu?: number;
  mac?: string;
  txqlen?: number;
  /** bring it up as part of creation. */
  up?: boolean;
  /** enslave to this master at creation. */
  master?: LinkRef;
  /** create it directly in another namespace (IFLA_NET_NS_FD). */
  netns?: NetnsTarget;
  numTxQueues?: number;
  numRxQueues?: number;
  group?: number;
}

export interface VethPeer {
  name: string;
  /** defaults to the MTU of the first end, as vishvananda/netlink does. */
  mtu?: number;
  mac?: string;
  txqlen?: number;
  /** create the peer directly in another namespace. */
  netns?: NetnsTarget;
  // No `up`: the kernel refuses IFF_UP on the peer of a new veth (ENOTCONN); set it up afterwards.
}

export interface VethSpec extends LinkCommon {
  kind: 'veth';
  peer: VethPeer;
}

export interface MacvlanSpec extends LinkCommon {
  kind: 'macvlan' | 'macvtap';
  parent: LinkRef;
  mode?: MacvlanMode;
  /** source mode: the allowed source MACs. */
  macs?: string[];
  /** IFLA_MACVLAN_BC_QUEUE_LEN (sent only when set). */
  bcQueueLen?: number;
  /** MACVLAN_FLAG_NOPROMISC etc. */
  flags?: number;
}

export interface IpvlanSpec extends LinkCommon {
  kind: 'ipvlan' | 'ipvtap';
  parent: LinkRef;
  mode?: IpvlanMode;
  /** bridge (default), private or vepa. */
  flag?: IpvlanFlag;
}

export interface BridgeSpec extends LinkCommon, BridgeData {
  kind: 'bridge';
}

export interface VlanSpec extends LinkCommon {
  kind: 'vlan';
  parent: LinkRef;
  id: number;
  protocol?: '802.1Q' | '802.1ad';
}

export interface DummySpec extends LinkCommon {
  kind: 'dummy';
}

/** An intermediate functional block: traffic redirected to it (tc mirred) passes its qdiscs. */
export interface IfbSpec extends LinkCommon {
  kind: 'ifb';
}

export interface VrfSpec extends LinkCommon {
  kind: 'vrf';
  table: number;
}

/** Escape hatch for kinds without a typed spec: raw IFLA_INFO_DATA attributes. */
export interface GenericLinkSpec extends LinkCommon {
  kind: 'generic';
  linkKind: string;
  parent?: LinkRef;
  data?: import('../codec/attr').Attr[];
}

export type LinkSpec =
  | VethSpec
  | MacvlanSpec
  | IpvlanSpec
  | BridgeSpec
  | VlanSpec
  | DummySpec
  | IfbSpec
  | VrfSpec
  | GenericLinkSpec;

/** Options of a tap/tun device made through /dev/net/tun. */
export interface TuntapSpec {
  name: string;
  mode?: 'tap' | 'tun';
  /** keep IFF_NO_PI off (packet info header) - default off, like `ip tuntap`. */
  pi?: boolean;
  vnetHdr?: boolean;
  multiQueue?: boolean;
  owner?: number;
  group?: number;
}

export type { BridgePortData, TunData };
