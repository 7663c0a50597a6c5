import { AF_INET, AF_INET6, IFA_F, NLM_F, RT_SCOPE, RTM } from '../codec/constants';
import { decodeAddrMessage, encodeAddrMessage, type AddrMessage } from '../codec/addr';
import { broadcastOf, formatIP, parseCIDR } from '../codec/ip';
import type { OpsContext } from './_ctx';
import { linkIndex, linkObject } from './link';
import type { LinkRef } from './link-types';

const FOREVER = 0xffffffff;

/** An address on a link, as the kernel reports it. */
export interface Addr {
  index: number;
  family: 4 | 6;
  /** the local address ('10.1.2.3'). */
  ip: string;
  prefixLen: number;
  /** '10.1.2.3/24' */
  cidr: string;
  /** the peer of a point-to-point address, when it differs from the local one. */
  peer?: string;
  broadcast?: string;
  label?: string;
  /** RT_SCOPE_* (0 universe, 253 link, 254 host). */
  scope: number;
  /** IFA_F_* (all 32 bits). */
  flags: number;
  tentative: boolean;
  dadFailed: boolean;
  /** seconds; 0xffffffff = forever. */
  validLft: number;
  preferredLft: number;
}

/** An address to add or delete. */
export interface AddrSpec {
  /** CIDR: '10.1.2.3/24' or 'fd00::3/64'. */
  address: string;
  /** point-to-point peer (IFA_ADDRESS). */
  peer?: string;
  /** IPv4 broadcast; computed from the prefix like vishvananda/netlink unless given, or 'none'. */
  broadcast?: string | 'none';
  label?: string;
  scope?: keyof typeof RT_SCOPE | number;
  /** skip duplicate address detection (IPv6). */
  noDad?: boolean;
  /** do not add the prefix route. */
  noPrefixRoute?: boolean;
  homeAddress?: boolean;
  manageTempAddr?: boolean;
  /** extra raw IFA_F_* flags. */
  flags?: number;
  /** lifetimes in seconds (IFA_CACHEINFO); default forever. */
  validLft?: number;
  preferredLft?: number;
  /** metric of the prefix route (IFA_RT_PRIORITY). */
  metric?: number;
}

export type AddrFamily = 4 | 6 | 'all';

function familyNum(f: AddrFamily): number {
  return f === 4 ? AF_INET : f === 6 ? AF_INET6 : 0;
}

export function toAddr(m: AddrMessage): Addr {
  const local = m.local ?? m.address ?? '';
  const flags = m.allFlags ?? m.flags ?? 0;
  const a: Addr = {
    index: m.index ?? 0,
    family: m.family === AF_INET6 ? 6 : 4,
    ip: local,
    prefixLen: m.prefixLen ?? 0,
    cidr: `${local}/${m.prefixLen ?? 0}`,
    scope: m.scope ?? 0,
    flags,
    tentative: (flags & IFA_F.TENTATIVE) !== 0,
    dadFailed: (flags & IFA_F.DADFAILED) !== 0,
    validLft: m.cacheinfo?.valid ?? FOREVER,
    preferredLft: m.cacheinfo?.preferred ?? FOREVER,
  };
  if (m.address !== undefined && m.local !== undefined && m.address !== m.local) a.peer = m.address;
  if (m.broadcast !== undefined) a.broadcast = m.broadcast;
  if (m.label !== undefined) a.label = m.label;
  return a;
}

/** Addresses of one link (or of every link), of one family or both. */
export function addrList(ctx: OpsContext, link?: LinkRef, family: AddrFamily = 'all'): Addr[] {
  const index = link === undefined ? 0 : linkIndex(ctx, link);
  // With strict checking the kernel filters by ifa_index itself; filter again for older kernels.
  const body = encodeAddrMessage({ family: familyNum(family), index });
  const msgs = ctx.sock.dump(RTM.GETADDR, body, { op: 'listing addresses', ...(link !== undefined && { object: linkObject(link) }) });
  return msgs
    .map((m) => toAddr(decodeAddrMessage(m.data)))
    .filter((a) => (index === 0 || a.index === index) && (family === 'all' || a.family === family));
}

function addrMessage(ctx: OpsContext, link: LinkRef, spec: AddrSpec | string, forDelete: boolean): AddrMessage {
  const s: AddrSpec = typeof spec === 'string' ? { address: spec } : spec;
  const { ip, prefixLen } = parseCIDR(s.address);
  const v4 = ip.length === 4;
  const local = formatIP(ip);
  const m: AddrMessage = { family: v4 ? AF_INET : AF_INET6, prefixLen, index: linkIndex(ctx, link), local };
  if (forDelete) {
    m.address = s.peer ?? local;
    return m;
  }
  // Like iproute2: loopback addresses default to host scope (recent kernels refuse anything else).
  const loopback = v4 && ip[0] === 127;
  const scope =
    s.scope === undefined ? (loopback ? RT_SCOPE.host : 0) : typeof s.scope === 'number' ? s.scope : RT_SCOPE[s.scope];
  if (scope) m.scope = scope;
  let flags = s.flags ?? 0;
  if (s.noDad) flags |= IFA_F.NODAD;
  if (s.noPrefixRoute) flags |= IFA_F.NOPREFIXROUTE;
  if (s.homeAddress) flags |= IFA_F.HOMEADDRESS;
  if (s.manageTempAddr) flags |= IFA_F.MANAGETEMPADDR;
  if (flags) m.allFlags = flags;
  if (s.label !== undefined) m.label = s.label;
  if (v4 && s.broadcast !== 'none') {
    if (s.broadcast !== undefined) m.broadcast = s.broadcast;
    else if (prefixLen < 31) m.broadcast = formatIP(broadcastOf(ip, prefixLen));
  }
  m.address = s.peer ?? local;
  if (s.metric !== undefined) m.rtPriority = s.metric;
  if (s.validLft !== undefined || s.preferredLft !== undefined) {
    m.cacheinfo = { valid: s.validLft ?? FOREVER, preferred: s.preferredLft ?? s.validLft ?? FOREVER };
  }
  return m;
}

/** Builds the RTM_NEWADDR payload (exported for the codec tests). */
export function addrAddMessage(ctx: OpsContext, link: LinkRef, spec: AddrSpec | string): AddrMessage {
  return addrMessage(ctx, link, spec, false);
}

const addrText = (spec: AddrSpec | string) => (typeof spec === 'string' ? spec : spec.address);

/** Adds an address; EEXIST if the link already has it. */
export function addrAdd(ctx: OpsContext, link: LinkRef, spec: AddrSpec | string): void {
  const body = encodeAddrMessage(addrMessage(ctx, link, spec, false));
  ctx.sock.request(RTM.NEWADDR, NLM_F.CREATE | NLM_F.EXCL, body, {
    op: `adding address ${addrText(spec)} to link`,
    object: linkObject(link),
  });
}

/** Adds an address or updates it in place (flags, lifetimes). */
export function addrReplace(ctx: OpsContext, link: LinkRef, spec: AddrSpec | string): void {
  const body = encodeAddrMessage(addrMessage(ctx, link, spec, false));
  ctx.sock.request(RTM.NEWADDR, NLM_F.CREATE | NLM_F.REPLACE, body, {
    op: `replacing address ${addrText(spec)} on link`,
    object: linkObject(link),
  });
}

/** Deletes an address; EADDRNOTAVAIL if the link does not have it. */
export function addrDel(ctx: OpsContext, link: LinkRef, spec: AddrSpec | string): void {
  const body = encodeAddrMessage(addrMessage(ctx, link, spec, true));
  ctx.sock.request(RTM.DELADDR, 0, body, {
    op: `deleting address ${addrText(spec)} from link`,
    object: linkObject(link),
  });
}

