// The container's routes as route-override sees them: the main-table routes of the target
// interfaces, and the conversions between a kernel route, a request to delete it, and a
// request to add it back.
import { isExist, isNotFound, NetlinkError, SyscallError, type Link, linkByIndex, routeAdd, routeDel, routeList, type Route, type RouteSpec } from '@cni-ts/netlink';
import { kernelKey, type NetKey } from './net';

export interface KRoute extends Route {
  /** the destination as a key (the default route has one too). */
  net: NetKey;
}

/** Routes of one table (main by default) on the given links. */
export function routesOn(links: readonly Link[], table?: number): KRoute[] {
  const idx = new Set(links.map((l) => l.index));
  return routeList(table === undefined ? {} : { table })
    .filter((r) => (r.oif !== undefined && idx.has(r.oif)) || r.multipath?.some((h) => idx.has(h.oif)))
    .map((r) => ({ ...r, net: kernelKey(r.dst, r.family) }));
}

/** Every route of a table (main by default), any link. */
export function allRoutes(table?: number): KRoute[] {
  return routeList(table === undefined ? {} : { table }).map((r) => ({ ...r, net: kernelKey(r.dst, r.family) }));
}

/** A link's name, or its index when it cannot be looked up. */
function name(index: number): string | number {
  try {
    return linkByIndex(index).name;
  } catch {
    return index;
  }
}

/** The route as a spec that adds it back exactly (link names, so a record survives index reuse). */
export function specOf(r: Route): RouteSpec {
  const s: RouteSpec = {
    family: r.family,
    table: r.table,
    scope: r.scope as RouteSpec['scope'],
    protocol: r.protocol as RouteSpec['protocol'],
    type: r.type as RouteSpec['type'],
  };
  if (r.dst !== undefined) s.dst = r.dst;
  if (r.gateway !== undefined) s.gateway = r.gateway;
  if (r.oif !== undefined) s.oif = name(r.oif);
  if (r.src !== undefined) s.src = r.src;
  if (r.priority !== undefined) s.priority = r.priority;
  if (r.mtu !== undefined) s.mtu = r.mtu;
  if (r.advmss !== undefined) s.advmss = r.advmss;
  if (r.onlink) s.onlink = true;
  if (r.tos) s.tos = r.tos;
  if (r.multipath) {
    s.multipath = r.multipath.map((h) => ({
      oif: name(h.oif),
      weight: h.weight,
      ...(h.gateway !== undefined && { gateway: h.gateway }),
      ...(h.onlink && { onlink: true }),
    }));
  }
  return s;
}

/** What identifies a route to RTM_DELROUTE (a multipath route by its key alone). */
function deleteSpec(s: RouteSpec): RouteSpec {
  const d: RouteSpec = { family: s.family!, table: s.table! };
  if (s.dst !== undefined) d.dst = s.dst;
  if (s.priority !== undefined) d.priority = s.priority;
  if (s.tos !== undefined) d.tos = s.tos;
  if (s.type !== undefined) d.type = s.type;
  if (!s.multipath) {
    if (s.gateway !== undefined) d.gateway = s.gateway;
    if (s.oif !== undefined) d.oif = s.oif;
  }
  return d;
}

/** Deletes a route; false when it was already gone. */
export function deleteRoute(s: RouteSpec): boolean {
  try {
    routeDel(deleteSpec(s));
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Adds a route; false when it exists already. */
export function addRoute(s: RouteSpec): boolean {
  try {
    routeAdd(s);
    return true;
  } catch (err) {
    if (isExist(err)) return false;
    throw err;
  }
}

/** `10.1.0.0/16 via 10.0.0.1 dev eth0` */
export function describeSpec(s: RouteSpec): string {
  const parts = [s.dst ?? 'default'];
  if (s.gateway) parts.push(`via ${s.gateway}`);
  if (s.oif !== undefined) parts.push(`dev ${typeof s.oif === 'object' ? (s.oif.name ?? s.oif.index) : s.oif}`);
  if (s.table !== undefined && s.table !== 254) parts.push(`table ${s.table}`);
  if (s.priority !== undefined) parts.push(`metric ${s.priority}`);
  return parts.join(' ');
}

/** A kernel error as a plugin message shows it: the errno text and the kernel's extended ack. */
export function kernelText(err: unknown): string {
  if (err instanceof SyscallError) {
    const extack = err instanceof NetlinkError && err.extack ? `: ${err.extack}` : '';
    return `${err.strerror}${extack}`;
  }
  return (err as Error).message;
}
