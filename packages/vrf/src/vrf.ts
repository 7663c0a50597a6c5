// The VRF device and its slaves, in the current (container) namespace: find or create the VRF,
// enslave an interface keeping what enslaving drops (global IPv6 addresses without
// keep_addr_on_down, the routes through the interface), release it. Synchronous: call inside
// withNetns. Texts are upstream's (plugins/meta/vrf/vrf.go).
import {
  addrAdd,
  addrList,
  LinkNotFoundError,
  linkAdd,
  linkByIndex,
  linkByName,
  linkList,
  linkSetMaster,
  linkSetNoMaster,
  linkSetUp,
  routeList,
  routeReplace,
  type Link,
  type Route,
  type RouteSpec,
} from '@cni-ts/netlink';
import { sleepSync } from '@cni-ts/cni';
import { errText } from '@cni-ts/plugin-kit';

export interface Vrf {
  index: number;
  name: string;
  table: number;
}

const tableOf = (l: Link): number => (l.data && 'table' in l.data ? (l.data.table ?? 0) : 0);

/** The VRF named `name`; undefined when no link has that name; an error when it is not a VRF. */
export function findVrf(name: string): Vrf | undefined {
  let link;
  try {
    link = linkByName(name);
  } catch (err) {
    if (err instanceof LinkNotFoundError) return undefined;
    throw err;
  }
  if (link.kind !== 'vrf') throw new Error(`Netlink ${name} is not a VRF`);
  return { index: link.index, name, table: tableOf(link) };
}

/** Creates the VRF (table 0: the lowest id from 1 no VRF here uses) and sets it up. */
export function createVrf(name: string, table: number): Vrf {
  let links;
  try {
    links = linkList();
  } catch (err) {
    throw new Error(`createVRF: Failed to find links ${errText(err)}`, { cause: err });
  }
  if (table === 0) {
    const taken = new Set(links.filter((l) => l.kind === 'vrf').map(tableOf));
    table = 1;
    while (taken.has(table)) table++;
  }
  try {
    linkAdd({ kind: 'vrf', name, table });
  } catch (err) {
    throw new Error(`could not add VRF ${name}: ${errText(err)}`, { cause: err });
  }
  const index = linkByName(name).index;
  try {
    linkSetUp(index);
  } catch (err) {
    throw new Error(`could not set link up for VRF ${name}: ${errText(err)}`, { cause: err });
  }
  return { index, name, table };
}

/** The links whose master is the VRF. */
export function slavesOf(vrf: Vrf): Link[] {
  let links;
  try {
    links = linkList();
  } catch (err) {
    throw new Error(`getAssignedInterfaces: Failed to find links ${errText(err)}`, { cause: err });
  }
  return links.filter((l) => l.master === vrf.index);
}

const globalV6 = (index: number) => addrList(index, 6).filter((a) => a.scope === 0);

/**
 * Enslaves `ifname` to the VRF. The kernel cycles the link: IPv6 addresses go unless
 * keep_addr_on_down is set, and routes through it leave the main table. Both are restored: the
 * addresses (waiting for their local route in the VRF's table), then every universe-scope route
 * of the main table through the link, replayed into the VRF's table.
 */
export function addInterface(vrf: Vrf, ifname: string): void {
  let link;
  try {
    link = linkByName(ifname);
  } catch {
    throw new Error(`could not get link by name ${ifname}`);
  }
  if (link.master) {
    let master;
    try {
      master = linkByIndex(link.master).name;
    } catch (err) {
      throw new Error(`interface ${ifname} has already a master set, could not retrieve the name: ${errText(err)}`, { cause: err });
    }
    throw new Error(`interface ${ifname} has already a master set: ${master}`);
  }
  let before;
  try {
    before = globalV6(link.index);
  } catch (err) {
    throw new Error(`failed getting global ipv6 addresses before slaving interface: ${errText(err)}`, { cause: err });
  }
  let routes: Route[];
  try {
    routes = routeList({ oif: link.index }).filter((r) => r.scope === 'universe');
  } catch {
    throw new Error(`failed getting all routes for ${ifname}`);
  }
  try {
    linkSetMaster(link.index, vrf.index);
  } catch (err) {
    throw new Error(`could not set vrf ${vrf.name} as master of ${ifname}: ${errText(err)}`, { cause: err });
  }
  let after;
  try {
    after = new Set(globalV6(link.index).map((a) => a.cidr));
  } catch (err) {
    throw new Error(`failed getting global ipv6 addresses after slaving interface: ${errText(err)}`, { cause: err });
  }
  for (const addr of before.filter((a) => !after.has(a.cidr))) {
    try {
      addrAdd(link.index, addr.cidr);
    } catch (err) {
      throw new Error(`could not restore address ${addr.cidr} to ${ifname} @ ${vrf.name}: ${errText(err)}`, { cause: err });
    }
    waitForLocalRoute(vrf, link.index, ifname, addr.ip, addr.cidr);
  }
  for (const r of routes) {
    try {
      routeReplace(specOf(r, vrf.table));
    } catch (err) {
      throw new Error(`could not add route '${routeText(r, vrf.table)}': ${errText(err)}`, { cause: err });
    }
  }
}

/** The kernel adds the address's host route to the VRF's table shortly after: 10 ms, 20 ms, … 1.28 s. */
function waitForLocalRoute(vrf: Vrf, index: number, ifname: string, ip: string, cidr: string): void {
  for (let retry = 0; ; retry++) {
    let found;
    try {
      found = routeList({ family: 6, table: vrf.table, oif: index, dst: `${ip}/128` }).length > 0;
    } catch (err) {
      throw new Error(`failed getting routes for ${ifname} table ${vrf.table} for dst ${cidr}: ${errText(err)}`, { cause: err });
    }
    if (found) return;
    if (retry === 8) throw new Error(`failed getting local/host addresses for ${ifname} in table ${vrf.table} with dst ${cidr}`);
    sleepSync(10 * 2 ** retry);
  }
}

function specOf(r: Route, table: number): RouteSpec {
  return {
    family: r.family,
    ...(r.dst !== undefined && { dst: r.dst }),
    ...(r.gateway !== undefined && { gateway: r.gateway }),
    ...(r.src !== undefined && { src: r.src }),
    ...(r.oif !== undefined && { oif: r.oif }),
    ...(r.priority !== undefined && { priority: r.priority }),
    ...(r.mtu !== undefined && { mtu: r.mtu }),
    ...(r.advmss !== undefined && { advmss: r.advmss }),
    table,
    scope: r.scope as RouteSpec['scope'],
    protocol: r.protocol as RouteSpec['protocol'],
    type: r.type as RouteSpec['type'],
    tos: r.tos,
    onlink: r.onlink,
    ...(r.multipath && { multipath: r.multipath.map((h) => ({ ...h })) }),
  };
}

function routeText(r: Route, table: number): string {
  return `{Dst: ${r.dst ?? '<nil>'} Gw: ${r.gateway ?? '<nil>'} Table: ${table}}`;
}

/** resetMaster: frees the interface from its master. */
export function resetMaster(ifname: string): void {
  let link;
  try {
    link = linkByName(ifname);
  } catch {
    throw new Error(`resetMaster: could not get link by name ${ifname}`);
  }
  try {
    linkSetNoMaster(link.index);
  } catch {
    throw new Error(`resetMaster: could reset master to ${ifname}`);
  }
}
