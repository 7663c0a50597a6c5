// Values from the kernel's uapi headers (linux/netlink.h, rtnetlink.h, if_link.h, if_addr.h,
// neighbour.h, fib_rules.h, if_bridge.h). Only what the codec and operations use.

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;
export const AF_PACKET = 17;
export const AF_NETLINK = 16;
export const NETLINK_ROUTE = 0;

export const NLMSG = { NOOP: 1, ERROR: 2, DONE: 3, OVERRUN: 4 } as const;

export const NLM_F = {
  REQUEST: 0x1,
  MULTI: 0x2,
  ACK: 0x4,
  ECHO: 0x8,
  DUMP_INTR: 0x10,
  DUMP_FILTERED: 0x20,
  // GET
  ROOT: 0x100,
  MATCH: 0x200,
  DUMP: 0x300,
  // NEW
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
  // ACK
  CAPPED: 0x100,
  ACK_TLVS: 0x200,
} as const;

export const RTM = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  SETLINK: 19,
  NEWADDR: 20,
  DELADDR: 21,
  GETADDR: 22,
  NEWROUTE: 24,
  DELROUTE: 25,
  GETROUTE: 26,
  NEWNEIGH: 28,
  DELNEIGH: 29,
  GETNEIGH: 30,
  NEWRULE: 32,
  DELRULE: 33,
  GETRULE: 34,
} as const;

export const SOL_NETLINK = 270;
export const NETLINK_OPT = { CAP_ACK: 10, EXT_ACK: 11, GET_STRICT_CHK: 12 } as const;
export const NLMSGERR_ATTR = { MSG: 1, OFFS: 2, COOKIE: 3, POLICY: 4, MISS_TYPE: 5, MISS_NEST: 6 } as const;

export const IFLA = {
  ADDRESS: 1,
  BROADCAST: 2,
  IFNAME: 3,
  MTU: 4,
  LINK: 5,
  QDISC: 6,
  STATS: 7,
  MASTER: 10,
  PROTINFO: 12,
  TXQLEN: 13,
  OPERSTATE: 16,
  LINKMODE: 17,
  LINKINFO: 18,
  NET_NS_PID: 19,
  IFALIAS: 20,
  STATS64: 23,
  AF_SPEC: 26,
  GROUP: 27,
  NET_NS_FD: 28,
  EXT_MASK: 29,
  PROMISCUITY: 30,
  NUM_TX_QUEUES: 31,
  NUM_RX_QUEUES: 32,
  CARRIER: 33,
  CARRIER_CHANGES: 35,
  LINK_NETNSID: 37,
  PROTO_DOWN: 39,
  GSO_MAX_SEGS: 40,
  GSO_MAX_SIZE: 41,
  TARGET_NETNSID: 46,
  MIN_MTU: 50,
  MAX_MTU: 51,
  ALT_IFNAME: 53,
  PERM_ADDRESS: 54,
  PARENT_DEV_NAME: 56,
  ALLMULTI: 61,
} as const;

export const IFLA_INFO = { KIND: 1, DATA: 2, XSTATS: 3, SLAVE_KIND: 4, SLAVE_DATA: 5 } as const;
export const VETH_INFO_PEER = 1;

export const IFLA_MACVLAN = {
  MODE: 1,
  FLAGS: 2,
  MACADDR_MODE: 3,
  MACADDR: 4,
  MACADDR_DATA: 5,
  MACADDR_COUNT: 6,
  BC_QUEUE_LEN: 7,
  BC_QUEUE_LEN_USED: 8,
  BC_CUTOFF: 9,
} as const;
export const MACVLAN_MODE = { private: 1, vepa: 2, bridge: 4, passthru: 8, source: 16 } as const;
export const MACVLAN_MACADDR = { add: 0, del: 1, flush: 2, set: 3 } as const;

export const IFLA_IPVLAN = { MODE: 1, FLAGS: 2 } as const;
export const IPVLAN_MODE = { l2: 0, l3: 1, l3s: 2 } as const;
export const IPVLAN_FLAG = { bridge: 0, private: 1, vepa: 2 } as const;

export const IFLA_VLAN = { ID: 1, FLAGS: 2, EGRESS_QOS: 3, INGRESS_QOS: 4, PROTOCOL: 5 } as const;
export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;

export const IFLA_VRF_TABLE = 1;

export const IFLA_TUN = {
  OWNER: 1,
  GROUP: 2,
  TYPE: 3,
  PI: 4,
  VNET_HDR: 5,
  PERSIST: 6,
  MULTI_QUEUE: 7,
  NUM_QUEUES: 8,
} as const;

export const IFLA_BR = {
  FORWARD_DELAY: 1,
  HELLO_TIME: 2,
  MAX_AGE: 3,
  AGEING_TIME: 4,
  STP_STATE: 5,
  PRIORITY: 6,
  VLAN_FILTERING: 7,
  VLAN_PROTOCOL: 8,
  GROUP_FWD_MASK: 9,
  MCAST_SNOOPING: 23,
  NF_CALL_IPTABLES: 36,
  NF_CALL_IP6TABLES: 37,
  VLAN_DEFAULT_PVID: 39,
  VLAN_STATS_ENABLED: 41,
} as const;

export const IFLA_BRPORT = {
  STATE: 1,
  PRIORITY: 2,
  COST: 3,
  MODE: 4, // hairpin
  GUARD: 5,
  PROTECT: 6,
  FAST_LEAVE: 7,
  LEARNING: 8,
  UNICAST_FLOOD: 9,
  PROXYARP: 10,
  MCAST_FLOOD: 27,
  BCAST_FLOOD: 30,
  NEIGH_SUPPRESS: 32,
  ISOLATED: 33,
} as const;

export const IFLA_BRIDGE = { FLAGS: 0, MODE: 1, VLAN_INFO: 2 } as const;
export const BRIDGE_FLAGS = { MASTER: 1, SELF: 2 } as const;
export const BRIDGE_VLAN_INFO = { MASTER: 1, PVID: 2, UNTAGGED: 4, RANGE_BEGIN: 8, RANGE_END: 16, BRENTRY: 32 } as const;
export const RTEXT_FILTER = { VF: 1, BRVLAN: 2, BRVLAN_COMPRESSED: 4, SKIP_STATS: 8 } as const;

export const IFF = {
  UP: 0x1,
  BROADCAST: 0x2,
  LOOPBACK: 0x8,
  POINTOPOINT: 0x10,
  RUNNING: 0x40,
  NOARP: 0x80,
  PROMISC: 0x100,
  ALLMULTI: 0x200,
  MASTER: 0x400,
  SLAVE: 0x800,
  MULTICAST: 0x1000,
  LOWER_UP: 0x10000,
  DORMANT: 0x20000,
} as const;

export const OPERSTATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'] as const;

export const IFA = {
  ADDRESS: 1,
  LOCAL: 2,
  LABEL: 3,
  BROADCAST: 4,
  ANYCAST: 5,
  CACHEINFO: 6,
  MULTICAST: 7,
  FLAGS: 8,
  RT_PRIORITY: 9,
  PROTO: 11,
} as const;

export const IFA_F = {
  SECONDARY: 0x01,
  NODAD: 0x02,
  OPTIMISTIC: 0x04,
  DADFAILED: 0x08,
  HOMEADDRESS: 0x10,
  DEPRECATED: 0x20,
  TENTATIVE: 0x40,
  PERMANENT: 0x80,
  MANAGETEMPADDR: 0x100,
  NOPREFIXROUTE: 0x200,
  MCAUTOJOIN: 0x400,
  STABLE_PRIVACY: 0x800,
} as const;

export const RTA = {
  DST: 1,
  SRC: 2,
  IIF: 3,
  OIF: 4,
  GATEWAY: 5,
  PRIORITY: 6,
  PREFSRC: 7,
  METRICS: 8,
  MULTIPATH: 9,
  FLOW: 11,
  CACHEINFO: 12,
  TABLE: 15,
  MARK: 16,
  VIA: 18,
  PREF: 20,
  EXPIRES: 23,
} as const;

export const RTAX = { LOCK: 1, MTU: 2, WINDOW: 3, RTT: 4, ADVMSS: 8, HOPLIMIT: 10, INITCWND: 11, INITRWND: 14 } as const;

export const RT_TABLE = { UNSPEC: 0, DEFAULT: 253, MAIN: 254, LOCAL: 255 } as const;
export const RT_SCOPE = { universe: 0, site: 200, link: 253, host: 254, nowhere: 255 } as const;
export const RTPROT = { unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, ra: 9, dhcp: 16 } as const;
export const RTN = {
  unspec: 0,
  unicast: 1,
  local: 2,
  broadcast: 3,
  anycast: 4,
  multicast: 5,
  blackhole: 6,
  unreachable: 7,
  prohibit: 8,
  throw: 9,
  nat: 10,
} as const;
export const RTNH_F = { DEAD: 1, PERVASIVE: 2, ONLINK: 4, OFFLOAD: 8, LINKDOWN: 16 } as const;

export const NDA = { DST: 1, LLADDR: 2, CACHEINFO: 3, PROBES: 4, VLAN: 5, PORT: 6, VNI: 7, IFINDEX: 8, MASTER: 9 } as const;
export const NUD = {
  incomplete: 0x01,
  reachable: 0x02,
  stale: 0x04,
  delay: 0x08,
  probe: 0x10,
  failed: 0x20,
  noarp: 0x40,
  permanent: 0x80,
} as const;
export const NTF = { USE: 0x01, SELF: 0x02, MASTER: 0x04, PROXY: 0x08, EXT_LEARNED: 0x10, ROUTER: 0x80 } as const;

export const FRA = {
  DST: 1,
  SRC: 2,
  IIFNAME: 3,
  GOTO: 4,
  PRIORITY: 6,
  FWMARK: 10,
  FLOW: 11,
  TUN_ID: 12,
  SUPPRESS_IFGROUP: 13,
  SUPPRESS_PREFIXLEN: 14,
  TABLE: 15,
  FWMASK: 16,
  OIFNAME: 17,
  L3MDEV: 19,
  UID_RANGE: 20,
  PROTOCOL: 21,
  IP_PROTO: 22,
  SPORT_RANGE: 23,
  DPORT_RANGE: 24,
} as const;
export const FR_ACT = { to_tbl: 1, goto: 2, nop: 3, blackhole: 6, unreachable: 7, prohibit: 8 } as const;
export const FIB_RULE_INVERT = 0x2;

/** Reverse lookup in one of the name→number tables above. */
export function nameOf<T extends Record<string, number>>(table: T, value: number): keyof T | number {
  for (const [k, v] of Object.entries(table)) if (v === value) return k as keyof T;
  return value;
}
