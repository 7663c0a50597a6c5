// Values from the kernel's uapi headers linux/netfilter/nfnetlink.h, nf_tables.h and
// nfnetlink_conntrack.h, and from libnftnl's udata.h (the userdata TLVs nft writes). Only what the
// nf_tables and conntrack codecs use. Kept apart from ../constants.ts (rtnetlink).

export const NETLINK_NETFILTER = 12;

export const NFNL_SUBSYS = { CTNETLINK: 1, NFTABLES: 10 } as const;
export const NFNL_MSG_BATCH_BEGIN = 0x10;
export const NFNL_MSG_BATCH_END = 0x11;
export const NFNL_BATCH_GENID = 1;

/** nf_tables message types (low byte of nlmsg_type; the high byte is NFNL_SUBSYS.NFTABLES). */
export const NFT_MSG = {
  NEWTABLE: 0,
  GETTABLE: 1,
  DELTABLE: 2,
  NEWCHAIN: 3,
  GETCHAIN: 4,
  DELCHAIN: 5,
  NEWRULE: 6,
  GETRULE: 7,
  DELRULE: 8,
  NEWSET: 9,
  GETSET: 10,
  DELSET: 11,
  NEWSETELEM: 12,
  GETSETELEM: 13,
  DELSETELEM: 14,
  NEWGEN: 15,
  GETGEN: 16,
} as const;

/** nfproto numbers of the nf_tables families. */
export const NFPROTO = { unspec: 0, inet: 1, ip: 2, arp: 3, netdev: 5, bridge: 7, ip6: 10 } as const;

export const NFTA_TABLE = { NAME: 1, FLAGS: 2, USE: 3, HANDLE: 4, USERDATA: 6, OWNER: 7 } as const;

export const NFTA_CHAIN = {
  TABLE: 1,
  HANDLE: 2,
  NAME: 3,
  HOOK: 4,
  POLICY: 5,
  USE: 6,
  TYPE: 7,
  COUNTERS: 8,
  FLAGS: 10,
  ID: 11,
  USERDATA: 12,
} as const;
export const NFTA_HOOK = { HOOKNUM: 1, PRIORITY: 2, DEV: 3 } as const;
export const NFT_CHAIN_BASE = 1;

export const NFTA_RULE = {
  TABLE: 1,
  CHAIN: 2,
  HANDLE: 3,
  EXPRESSIONS: 4,
  POSITION: 6,
  USERDATA: 7,
  ID: 9,
  POSITION_ID: 10,
} as const;

export const NFTA_SET = {
  TABLE: 1,
  NAME: 2,
  FLAGS: 3,
  KEY_TYPE: 4,
  KEY_LEN: 5,
  DATA_TYPE: 6,
  DATA_LEN: 7,
  POLICY: 8,
  DESC: 9,
  ID: 10,
  TIMEOUT: 11,
  GC_INTERVAL: 12,
  USERDATA: 13,
  HANDLE: 16,
} as const;
export const NFTA_SET_DESC_SIZE = 1;
export const NFT_SET_F = {
  anonymous: 0x1,
  constant: 0x2,
  interval: 0x4,
  map: 0x8,
  timeout: 0x10,
  dynamic: 0x20,
  object: 0x40,
  concat: 0x80,
} as const;

export const NFTA_SET_ELEM_LIST = { TABLE: 1, SET: 2, ELEMENTS: 3, SET_ID: 4 } as const;
export const NFTA_LIST_ELEM = 1;
export const NFTA_SET_ELEM = {
  KEY: 1,
  DATA: 2,
  FLAGS: 3,
  TIMEOUT: 4,
  EXPIRATION: 5,
  USERDATA: 6,
  KEY_END: 10,
} as const;
export const NFT_SET_ELEM_INTERVAL_END = 1;

export const NFTA_DATA = { VALUE: 1, VERDICT: 2 } as const;
export const NFTA_VERDICT = { CODE: 1, CHAIN: 2 } as const;
/** The data type of a verdict map's values (NFT_DATA_VERDICT). */
export const NFT_DATA_VERDICT = 0xffffff00;

export const NFTA_GEN_ID = 1;
export const NFTA_EXPR = { NAME: 1, DATA: 2 } as const;

/** Verdict codes: netfilter's (drop/accept/queue) and nf_tables' own (negative). */
export const VERDICT_CODE = {
  drop: 0,
  accept: 1,
  queue: 3,
  continue: -1,
  break: -2,
  jump: -3,
  goto: -4,
  return: -5,
} as const;

export const NF_HOOK = { prerouting: 0, input: 1, forward: 2, output: 3, postrouting: 4, ingress: 0, egress: 1 } as const;

/** The userdata TLV types nft writes (libnftnl udata.h); a TLV is {u8 type, u8 len, value}. */
export const UDATA = {
  /** table, chain and rule comments share type 0 */
  COMMENT: 0,
  SET_KEYBYTEORDER: 0,
  SET_DATABYTEORDER: 1,
  SET_MERGE_ELEMENTS: 2,
  SET_KEY_TYPEOF: 3,
  SET_DATA_TYPEOF: 4,
  SET_COMMENT: 7,
  SET_ELEM_COMMENT: 0,
} as const;
/** nft's byte orders in set userdata. */
export const BYTEORDER = { invalid: 0, host: 1, big: 2 } as const;

/** nft datatypes (src/datatype.h), the key/data types of sets. */
export const NFT_TYPE = {
  integer: 4,
  ipv4_addr: 7,
  ipv6_addr: 8,
  ether_addr: 9,
  inet_proto: 12,
  inet_service: 13,
  mark: 19,
} as const;

// ---- expressions ----

export const NFTA_META = { DREG: 1, KEY: 2, SREG: 3 } as const;
export const NFT_META = {
  len: 0,
  protocol: 1,
  priority: 2,
  mark: 3,
  iif: 4,
  oif: 5,
  iifname: 6,
  oifname: 7,
  iiftype: 8,
  oiftype: 9,
  skuid: 10,
  skgid: 11,
  nftrace: 12,
  nfproto: 15,
  l4proto: 16,
  pkttype: 19,
  cpu: 20,
  iifgroup: 21,
  oifgroup: 22,
  cgroup: 23,
  prandom: 24,
} as const;

export const NFTA_PAYLOAD = { DREG: 1, BASE: 2, OFFSET: 3, LEN: 4, SREG: 5, CSUM_TYPE: 6, CSUM_OFFSET: 7, CSUM_FLAGS: 8 } as const;
export const NFT_PAYLOAD_BASE = { ll: 0, network: 1, transport: 2, inner: 3 } as const;

export const NFTA_CMP = { SREG: 1, OP: 2, DATA: 3 } as const;
export const NFT_CMP = { eq: 0, neq: 1, lt: 2, lte: 3, gt: 4, gte: 5 } as const;

export const NFTA_BITWISE = { SREG: 1, DREG: 2, LEN: 3, MASK: 4, XOR: 5, OP: 6, DATA: 7 } as const;
export const NFT_BITWISE = { bool: 0, lshift: 1, rshift: 2 } as const;

export const NFTA_IMMEDIATE = { DREG: 1, DATA: 2 } as const;
export const NFTA_COUNTER = { BYTES: 1, PACKETS: 2 } as const;

export const NFTA_FIB = { DREG: 1, RESULT: 2, FLAGS: 3 } as const;
export const NFT_FIB_RESULT = { oif: 1, oifname: 2, addrtype: 3 } as const;
export const NFTA_FIB_F = { saddr: 1, daddr: 2, mark: 4, iif: 8, oif: 16, present: 32 } as const;

export const NFTA_CT = { DREG: 1, KEY: 2, DIRECTION: 3, SREG: 4 } as const;
export const NFT_CT = {
  state: 0,
  direction: 1,
  status: 2,
  mark: 3,
  expiration: 5,
  helper: 6,
  l3protocol: 7,
  src: 8,
  dst: 9,
  protocol: 10,
  proto_src: 11,
  proto_dst: 12,
  zone: 17,
} as const;
/** ct state bits (nf_conntrack_common.h: NF_CT_STATE_BIT(ctinfo), untracked bit 6). */
export const CT_STATE = { invalid: 1, established: 2, related: 4, new: 8, untracked: 64 } as const;

export const NFTA_NAT = {
  TYPE: 1,
  FAMILY: 2,
  REG_ADDR_MIN: 3,
  REG_ADDR_MAX: 4,
  REG_PROTO_MIN: 5,
  REG_PROTO_MAX: 6,
  FLAGS: 7,
} as const;
export const NFT_NAT = { snat: 0, dnat: 1 } as const;
/** nf_nat.h NF_NAT_RANGE_* */
export const NF_NAT_RANGE = {
  MAP_IPS: 1,
  PROTO_SPECIFIED: 2,
  PROTO_RANDOM: 4,
  PERSISTENT: 8,
  PROTO_RANDOM_FULLY: 16,
} as const;

export const NFTA_MASQ = { FLAGS: 1, REG_PROTO_MIN: 2, REG_PROTO_MAX: 3 } as const;

export const NFTA_LOOKUP = { SET: 1, SREG: 2, DREG: 3, SET_ID: 4, FLAGS: 5 } as const;
export const NFT_LOOKUP_F_INV = 1;

export const NFTA_NG = { DREG: 1, MODULUS: 2, TYPE: 3, OFFSET: 4 } as const;
export const NFT_NG = { inc: 0, random: 1 } as const;

export const NFTA_DYNSET = {
  SET_NAME: 1,
  SET_ID: 2,
  OP: 3,
  SREG_KEY: 4,
  SREG_DATA: 5,
  TIMEOUT: 6,
  EXPR: 7,
  FLAGS: 9,
  EXPRESSIONS: 10,
} as const;
export const NFT_DYNSET_OP = { add: 0, update: 1, delete: 2 } as const;

/** Registers: 0 is the verdict, 1-4 the 16-byte ones nft uses, 8-23 the 4-byte ones. */
export const NFT_REG = { VERDICT: 0, R1: 1, R2: 2, R3: 3, R4: 4 } as const;

/** Looks a number up in one of the tables above (the name, or the number when unknown). */
export function nameIn<T extends Record<string, number>>(table: T, v: number): keyof T | number {
  for (const [k, n] of Object.entries(table)) if (n === v) return k;
  return v;
}
