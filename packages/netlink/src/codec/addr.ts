import { AttrMap, encodeAttrs, nla, type Attr } from './attr';
import { AF_INET, IFA } from './constants';
import { formatIP, parseIP } from './ip';

/** struct ifaddrmsg */
export interface IfAddrMsg {
  family: number;
  prefixLen: number;
  /** the low 8 flag bits; the full set travels in IFA_FLAGS. */
  flags: number;
  scope: number;
  index: number;
}

export const IFADDRMSG_LEN = 8;

/** struct ifa_cacheinfo; lifetimes in seconds, 0xffffffff = forever. */
export interface AddrCacheInfo {
  preferred: number;
  valid: number;
  created?: number;
  updated?: number;
}

export interface AddrMessage extends Partial<IfAddrMsg> {
  /** IFA_ADDRESS: the peer on point-to-point links, else the local address again. */
  address?: string;
  /** IFA_LOCAL */
  local?: string;
  broadcast?: string;
  anycast?: string;
  label?: string;
  /** IFA_FLAGS (32 bits: NODAD, NOPREFIXROUTE, ...). */
  allFlags?: number;
  cacheinfo?: AddrCacheInfo;
  rtPriority?: number;
  proto?: number;
}

export function encodeIfaddr(m: Partial<IfAddrMsg>): Buffer {
  const b = Buffer.alloc(IFADDRMSG_LEN);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeUInt8(m.prefixLen ?? 0, 1);
  b.writeUInt8(m.flags ?? 0, 2);
  b.writeUInt8(m.scope ?? 0, 3);
  b.writeUInt32LE(m.index ?? 0, 4);
  return b;
}

export function decodeAddrMessage(data: Buffer): AddrMessage {
  const m: AddrMessage = {
    family: data.readUInt8(0),
    prefixLen: data.readUInt8(1),
    flags: data.readUInt8(2),
    scope: data.readUInt8(3),
    index: data.readUInt32LE(4),
  };
  const a = new AttrMap(data.subarray(IFADDRMSG_LEN));
  const ip = (t: number) => {
    const b = a.get(t);
    return b ? formatIP(b) : undefined;
  };
  const set = <K extends keyof AddrMessage>(k: K, v: AddrMessage[K] | undefined) => {
    if (v !== undefined) m[k] = v;
  };
  set('address', ip(IFA.ADDRESS));
  set('local', ip(IFA.LOCAL));
  set('broadcast', ip(IFA.BROADCAST));
  set('anycast', ip(IFA.ANYCAST));
  set('label', a.str(IFA.LABEL));
  set('allFlags', a.u32(IFA.FLAGS));
  set('rtPriority', a.u32(IFA.RT_PRIORITY));
  set('proto', a.u8(IFA.PROTO));
  const ci = a.get(IFA.CACHEINFO);
  if (ci && ci.length >= 16) {
    m.cacheinfo = {
      preferred: ci.readUInt32LE(0),
      valid: ci.readUInt32LE(4),
      created: ci.readUInt32LE(8),
      updated: ci.readUInt32LE(12),
    };
  }
  return m;
}

/** Encodes an address message in iproute2's attribute order (ip/ipaddress.c). */
export function encodeAddrMessage(m: AddrMessage): Buffer {
  const attrs: Attr[] = [];
  const ip = (t: number, s: string | undefined) => s !== undefined && attrs.push(nla.raw(t, parseIP(s)));
  ip(IFA.LOCAL, m.local);
  if (m.allFlags !== undefined) attrs.push(nla.u32(IFA.FLAGS, m.allFlags));
  if (m.label !== undefined) attrs.push(nla.str(IFA.LABEL, m.label));
  ip(IFA.BROADCAST, m.broadcast);
  ip(IFA.ANYCAST, m.anycast);
  ip(IFA.ADDRESS, m.address);
  if (m.rtPriority !== undefined) attrs.push(nla.u32(IFA.RT_PRIORITY, m.rtPriority));
  if (m.proto !== undefined) attrs.push(nla.u8(IFA.PROTO, m.proto));
  if (m.cacheinfo) {
    const ci = Buffer.alloc(16);
    ci.writeUInt32LE(m.cacheinfo.preferred >>> 0, 0);
    ci.writeUInt32LE(m.cacheinfo.valid >>> 0, 4);
    ci.writeUInt32LE((m.cacheinfo.created ?? 0) >>> 0, 8);
    ci.writeUInt32LE((m.cacheinfo.updated ?? 0) >>> 0, 12);
    attrs.push(nla.raw(IFA.CACHEINFO, ci));
  }
  return Buffer.concat([encodeIfaddr(m), encodeAttrs(attrs)]);
}

export const familyOfText = (ip: string): number => (ip.includes(':') ? 10 : AF_INET);
