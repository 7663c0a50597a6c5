// ctnetlink (NFNL_SUBSYS_CTNETLINK): conntrack entries as the kernel dumps them, and the delete
// request for one entry. What vishvananda/netlink's ConntrackTableList / ConntrackDeleteFilters
// speak.
import { AttrMap, encodeAttrs, NLA_F_NESTED, type Attr } from './attr';
import { AF_INET, AF_INET6 } from './constants';
import { formatIP } from './ip';
import { be16, be32, bodyAttrs, ctType, encodeNfgen, get } from './nft/nfgen';

export const IPCTNL_MSG = { NEW: 0, GET: 1, DELETE: 2 } as const;
export const CTA = {
  TUPLE_ORIG: 1,
  TUPLE_REPLY: 2,
  STATUS: 3,
  PROTOINFO: 4,
  TIMEOUT: 7,
  MARK: 8,
  USE: 11,
  ID: 12,
  ZONE: 18,
} as const;
export const CTA_TUPLE = { IP: 1, PROTO: 2, ZONE: 3 } as const;
export const CTA_IP = { V4_SRC: 1, V4_DST: 2, V6_SRC: 3, V6_DST: 4 } as const;
export const CTA_PROTO = { NUM: 1, SRC_PORT: 2, DST_PORT: 3, ICMP_ID: 4, ICMP_TYPE: 5, ICMP_CODE: 6 } as const;

export const ctGetType = ctType(IPCTNL_MSG.GET);
export const ctDeleteType = ctType(IPCTNL_MSG.DELETE);

/** One direction of a connection: addresses, protocol and ports (tcp, udp, sctp, ...). */
export interface ConntrackTuple {
  src: string;
  dst: string;
  proto: number;
  sport?: number;
  dport?: number;
}

export interface ConntrackEntry {
  family: 4 | 6;
  orig: ConntrackTuple;
  reply: ConntrackTuple;
  id?: number;
  mark?: number;
  zone?: number;
  /** seconds left */
  timeout?: number;
  status?: number;
  /** CTA_TUPLE_ORIG as the kernel sent it (what a delete request names the entry by). */
  origRaw: Buffer;
}

function decodeTuple(buf: Buffer | undefined): ConntrackTuple {
  const m = new AttrMap(buf ?? Buffer.alloc(0));
  const ip = m.nested(CTA_TUPLE.IP);
  const proto = m.nested(CTA_TUPLE.PROTO);
  const addr = (v4: number, v6: number) => {
    const b = ip?.get(v4) ?? ip?.get(v6);
    return b ? formatIP(b) : '';
  };
  const t: ConntrackTuple = { src: addr(CTA_IP.V4_SRC, CTA_IP.V6_SRC), dst: addr(CTA_IP.V4_DST, CTA_IP.V6_DST), proto: proto?.u8(CTA_PROTO.NUM) ?? 0 };
  const sport = proto?.be16(CTA_PROTO.SRC_PORT);
  const dport = proto?.be16(CTA_PROTO.DST_PORT);
  if (sport !== undefined) t.sport = sport;
  if (dport !== undefined) t.dport = dport;
  return t;
}

/** An IPCTNL_MSG_CT_NEW message of a dump. */
export function decodeConntrack(data: Buffer): ConntrackEntry {
  const { nfgen, attrs } = bodyAttrs(data);
  const origRaw = attrs.get(CTA.TUPLE_ORIG) ?? Buffer.alloc(0);
  const e: ConntrackEntry = {
    family: nfgen.family === AF_INET6 ? 6 : 4,
    orig: decodeTuple(origRaw),
    reply: decodeTuple(attrs.get(CTA.TUPLE_REPLY)),
    origRaw: Buffer.from(origRaw),
  };
  const id = get.be32(attrs, CTA.ID);
  if (id !== undefined) e.id = id;
  const mark = get.be32(attrs, CTA.MARK);
  if (mark !== undefined) e.mark = mark;
  const zone = attrs.be16(CTA.ZONE);
  if (zone !== undefined) e.zone = zone;
  const timeout = get.be32(attrs, CTA.TIMEOUT);
  if (timeout !== undefined) e.timeout = timeout;
  const status = get.be32(attrs, CTA.STATUS);
  if (status !== undefined) e.status = status;
  return e;
}

/** The dump request: every entry of a family (4, 6) or of both (undefined). */
export function encodeConntrackDump(family?: 4 | 6): Buffer {
  return encodeNfgen(family === undefined ? 0 : family === 4 ? AF_INET : AF_INET6);
}

/** Deletes one entry: named by its original tuple (as dumped), its id, and its zone. */
export function encodeConntrackDelete(e: ConntrackEntry): Buffer {
  const attrs: Attr[] = [{ type: CTA.TUPLE_ORIG | NLA_F_NESTED, data: e.origRaw }];
  if (e.id !== undefined) attrs.push(be32(CTA.ID, e.id));
  if (e.zone) attrs.push(be16(CTA.ZONE, e.zone));
  return Buffer.concat([encodeNfgen(e.family === 6 ? AF_INET6 : AF_INET), encodeAttrs(attrs)]);
}
