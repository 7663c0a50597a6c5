import { AF_INET, AF_INET6, NLM_F, RT_SCOPE, RT_TABLE, RTM, RTN, RTNH_F, RTPROT, nameOf } from '../codec/constants';
import { decodeRouteMessage, encodeRouteMessage, type RouteMessage } from '../codec/route';
import { formatIP, maskIP, parseCIDR, tryParseIP } from '../codec/ip';
import type { OpsContext } from './_ctx';
import { linkIndex } from './link';
import type { LinkRef } from './link-types';

const RTM_F_CLONED = 0x200;

export interface RouteNextHop {
  gateway?: string;
  /** index of the outgoing link. */
  oif: number;
  /** 1..256 */
  weight: number;
  flags: number;
  onlink: boolean;
}

/** A route, as the kernel reports it. */
export interface Route {
  family: 4 | 6;
  /** destination prefix ('10.1.0.0/16'); undefined for the default route. */
  dst?: string;
  /** preferred source address (RTA_PREFSRC; `src` in `ip route`). */
  src?: string;
  gateway?: string;
  /** index of the outgoing link. */
  oif?: number;
  iif?: number;
  table: number;
  /** 'boot', 'kernel', 'static', ... or the number. */
  protocol: string | number;
  /** 'universe', 'link', 'host', ... or the number. */
  scope: string | number;
  /** 'unicast', 'local', 'blackhole', ... or the number. */
  type: string | number;
  /** metric (RTA_PRIORITY). */
  priority?: number;
  mtu?: number;
  advmss?: number;
  tos: number;
  /** RTNH_F_* of the route. */
  flags: number;
  onlink: boolean;
  multipath?: RouteNextHop[];
}

export interface RouteNextHopSpec {
  gateway?: string;
  oif?: LinkRef;
  weight?: number;
  onlink?: boolean;
}

/** A route to add, replace or delete. */
export interface RouteSpec {
  /** 'default', a CIDR, or an address (host route). Omitted = default route. */
  dst?: string;
  gateway?: string;
  /** the outgoing link. */
  oif?: LinkRef;
  /** preferred source address (RTA_PREFSRC). */
  src?: string;
  /** default main (254); ids above 255 travel in RTA_TABLE. */
  table?: number;
  /** default 'universe', as vishvananda/netlink (iproute2 would pick 'link' for gateway-less routes). */
  scope?: keyof typeof RT_SCOPE | number;
  /** default 'boot'. */
  protocol?: keyof typeof RTPROT | number;
  /** default 'unicast'. */
  type?: keyof typeof RTN | number;
  /** metric. */
  priority?: number;
  mtu?: number;
  advmss?: number;
  onlink?: boolean;
  tos?: number;
  multipath?: RouteNextHopSpec[];
  /** needed only when neither dst nor gateway tells the family. */
  family?: 4 | 6;
}

const num = <T extends Record<string, number>>(table: T, v: keyof T | number): number =>
  typeof v === 'number' ? v : table[v]!;

export function toRoute(m: RouteMessage): Route {
  const flags = m.flags ?? 0;
  const family = m.family === AF_INET6 ? 6 : 4;
  const r: Route = {
    family,
    table: m.tableId ?? m.table ?? 0,
    protocol: nameOf(RTPROT, m.protocol ?? 0) as string | number,
    scope: nameOf(RT_SCOPE, m.scope ?? 0) as string | number,
    type: nameOf(RTN, m.type ?? 0) as string | number,
    tos: m.tos ?? 0,
    flags,
    onlink: (flags & RTNH_F.ONLINK) !== 0,
  };
  if (m.dst !== undefined) r.dst = `${m.dst}/${m.dstLen ?? 0}`;
  if (m.prefsrc !== undefined) r.src = m.prefsrc;
  if (m.gateway !== undefined) r.gateway = m.gateway;
  else if (m.via !== undefined) r.gateway = m.via;
  if (m.oif !== undefined) r.oif = m.oif;
  if (m.iif !== undefined) r.iif = m.iif;
  if (m.priority !== undefined) r.priority = m.priority;
  if (m.metrics?.mtu !== undefined) r.mtu = m.metrics.mtu;
  if (m.metrics?.advmss !== undefined) r.advmss = m.metrics.advmss;
  if (m.multipath) {
    r.multipath = m.multipath.map((h) => ({
      ...(h.gateway !== undefined && { gateway: h.gateway }),
      oif: h.ifindex,
      weight: h.hops + 1,
      flags: h.flags,
      onlink: (h.flags & RTNH_F.ONLINK) !== 0,
    }));
  }
  return r;
}

function familyOf(spec: RouteSpec): 4 | 6 {
  if (spec.family) return spec.family;
  for (const s of [spec.dst, spec.gateway, spec.src, ...(spec.multipath ?? []).map((h) => h.gateway)]) {
    if (s && s !== 'default' && tryParseIP(s.split('/')[0]!)) return s.includes(':') ? 6 : 4;
  }
  return 4;
}

/** Builds the rtmsg + attributes of a route request (exported for the codec tests). */
export function routeMessage(ctx: OpsContext, spec: RouteSpec, forDelete = false): RouteMessage {
  const family = familyOf(spec);
  const m: RouteMessage = { family: family === 6 ? AF_INET6 : AF_INET, dstLen: 0 };
  if (spec.dst !== undefined && spec.dst !== 'default') {
    const { ip, prefixLen } = parseCIDR(spec.dst);
    m.dst = formatIP(maskIP(ip, prefixLen));
    m.dstLen = prefixLen;
  }
  const table = spec.table ?? RT_TABLE.MAIN;
  if (table > 255) {
    m.table = RT_TABLE.UNSPEC;
    m.tableId = table;
  } else {
    m.table = table;
  }
  if (forDelete) {
    m.scope = spec.scope === undefined ? RT_SCOPE.nowhere : num(RT_SCOPE, spec.scope);
    if (spec.protocol !== undefined) m.protocol = num(RTPROT, spec.protocol);
    if (spec.type !== undefined) m.type = num(RTN, spec.type);
  } else {
    m.protocol = num(RTPROT, spec.protocol ?? 'boot');
    m.scope = num(RT_SCOPE, spec.scope ?? 'universe');
    m.type = num(RTN, spec.type ?? 'unicast');
  }
  if (spec.tos !== undefined) m.tos = spec.tos;
  if (spec.onlink) m.flags = RTNH_F.ONLINK;
  if (spec.src !== undefined) m.prefsrc = spec.src;
  if (spec.gateway !== undefined) {
    if ((spec.gateway.includes(':') ? 6 : 4) === family) m.gateway = spec.gateway;
    else m.via = spec.gateway;
  }
  if (spec.priority !== undefined) m.priority = spec.priority;
  if (spec.oif !== undefined) m.oif = linkIndex(ctx, spec.oif);
  if (spec.mtu !== undefined || spec.advmss !== undefined) {
    m.metrics = {};
    if (spec.mtu !== undefined) m.metrics.mtu = spec.mtu;
    if (spec.advmss !== undefined) m.metrics.advmss = spec.advmss;
  }
  if (spec.multipath) {
    m.multipath = spec.multipath.map((h) => ({
      ifindex: h.oif === undefined ? 0 : linkIndex(ctx, h.oif),
      hops: (h.weight ?? 1) - 1,
      flags: h.onlink ? RTNH_F.ONLINK : 0,
      ...(h.gateway !== undefined && { gateway: h.gateway }),
    }));
  }
  return m;
}

/** How errors show a route: `10.1.0.0/16 via 10.0.0.1 table 100`. */
function routeObject(spec: RouteSpec): string {
  const parts = [spec.dst ?? 'default'];
  if (spec.gateway) parts.push(`via ${spec.gateway}`);
  if (spec.oif !== undefined) parts.push(`dev ${typeof spec.oif === 'object' ? (spec.oif.name ?? spec.oif.index) : spec.oif}`);
  if (spec.table !== undefined) parts.push(`table ${spec.table}`);
  return `"${parts.join(' ')}"`;
}

/** Adds a route; EEXIST if the same route exists. */
export function routeAdd(ctx: OpsContext, spec: RouteSpec): void {
  const body = encodeRouteMessage(routeMessage(ctx, spec));
  ctx.sock.request(RTM.NEWROUTE, NLM_F.CREATE | NLM_F.EXCL, body, { op: 'adding route', object: routeObject(spec) });
}

/** Adds a route or replaces the one with the same key (dst, table, tos, metric). */
export function routeReplace(ctx: OpsContext, spec: RouteSpec): void {
  const body = encodeRouteMessage(routeMessage(ctx, spec));
  ctx.sock.request(RTM.NEWROUTE, NLM_F.CREATE | NLM_F.REPLACE, body, {
    op: 'replacing route',
    object: routeObject(spec),
  });
}

/** Appends a route even when one with the same key exists (Go's RouteAppend / CNI's ECMP add). */
export function routeAppend(ctx: OpsContext, spec: RouteSpec): void {
  const body = encodeRouteMessage(routeMessage(ctx, spec));
  ctx.sock.request(RTM.NEWROUTE, NLM_F.CREATE | NLM_F.APPEND, body, {
    op: 'appending route',
    object: routeObject(spec),
  });
}

/** Deletes a route matching the spec; ESRCH if there is none. */
export function routeDel(ctx: OpsContext, spec: RouteSpec): void {
  const body = encodeRouteMessage(routeMessage(ctx, spec, true));
  ctx.sock.request(RTM.DELROUTE, 0, body, { op: 'deleting route', object: routeObject(spec) });
}

export interface RouteFilter {
  family?: 4 | 6 | 'all';
  /** a table id, or 'all'; default main. */
  table?: number | 'all';
  oif?: LinkRef;
  /** only routes with exactly this destination ('default' or CIDR). */
  dst?: string;
}

/** Routes of the main table (or the given one), like `ip route show`. Cached clones are left out. */
export function routeList(ctx: OpsContext, filter: RouteFilter = {}): Route[] {
  const family = filter.family ?? 'all';
  const table = filter.table ?? RT_TABLE.MAIN;
  const oif = filter.oif === undefined ? undefined : linkIndex(ctx, filter.oif);
  const req: RouteMessage = { family: family === 4 ? AF_INET : family === 6 ? AF_INET6 : 0 };
  if (table !== 'all') {
    if (table > 255) req.tableId = table;
    else req.table = table;
  }
  if (oif !== undefined) req.oif = oif;
  const msgs = ctx.sock.dump(RTM.GETROUTE, encodeRouteMessage(req), { op: 'listing routes' });
  let dst: string | undefined;
  if (filter.dst !== undefined && filter.dst !== 'default') {
    const { ip, prefixLen } = parseCIDR(filter.dst);
    dst = `${formatIP(maskIP(ip, prefixLen))}/${prefixLen}`;
  }
  return msgs
    .map((m) => decodeRouteMessage(m.data))
    .filter((m) => !((m.flags ?? 0) & RTM_F_CLONED))
    .map(toRoute)
    .filter(
      (r) =>
        (family === 'all' || r.family === family) &&
        (table === 'all' || r.table === table) &&
        (oif === undefined || r.oif === oif || r.multipath?.some((h) => h.oif === oif)) &&
        (filter.dst === undefined || (filter.dst === 'default' ? r.dst === undefined : r.dst === dst)),
    );
}
