// CHECK helpers (pkg/ip/utils_linux.go): the addresses and routes of a previous result must
// still be present in the current namespace. Texts are upstream's, capitals included.
import type { IPConfig100, Route } from '@cni-ts/cni';
import { addrList, linkByName, routeList } from '@cni-ts/netlink';
import { familyOf, isDefaultDst, networkOf, splitCIDR } from './ip';
import { routeText } from './goformat';

/** ip.ValidateExpectedInterfaceIPs: each IP is on `ifname` and a route to its prefix exists. */
export function validateExpectedInterfaceIPs(ifname: string, ips: readonly IPConfig100[] = []): void {
  for (const ipc of ips) {
    const want = splitCIDR(ipc.address);
    let link;
    try {
      link = linkByName(ifname);
    } catch (err) {
      throw new Error(`Cannot find container link ${ifname}`, { cause: err });
    }
    let addrs;
    try {
      addrs = addrList(link.index, 'all');
    } catch (err) {
      throw new Error('Cannot obtain List of IP Addresses', { cause: err });
    }
    if (!addrs.some((a) => a.family === want.family && a.ip === want.ip && a.prefixLen === want.prefix)) {
      throw new Error(`Failed to match addr ${want.ip}/${want.prefix} on interface ${ifname}`);
    }
    const family = familyOf(ipc.address);
    let found;
    try {
      found = routeList({ family, dst: networkOf(ipc.address) });
    } catch (err) {
      throw new Error(`Error ${(err as Error).message} trying to find Gateway ${ipc.gateway ?? '<nil>'} for interface ${ifname}`, { cause: err });
    }
    if (found.length === 0) throw new Error(`Failed to find Gateway ${ipc.gateway ?? '<nil>'} for interface ${ifname}`);
  }
}

/**
 * ip.ValidateExpectedRoute: each route is in the main table, matched by destination, and by
 * gateway too when it has one, except default routes, which match on destination alone.
 */
export function validateExpectedRoute(routes: readonly Route[] = []): void {
  for (const r of routes) {
    let family: 4 | 6;
    try {
      family = familyOf(r.dst);
    } catch (err) {
      throw new Error(`Invalid static route found ${routeText(r)}`, { cause: err });
    }
    const isDefault = isDefaultDst(r.dst);
    let found;
    try {
      found = routeList({ family, dst: isDefault ? 'default' : r.dst });
    } catch (err) {
      throw new Error(`Expected Route ${routeText(r)} not route table lookup error ${(err as Error).message}`, { cause: err });
    }
    if (!isDefault && r.gw !== undefined) {
      const gw = splitCIDR(`${r.gw}/0`).ip;
      found = found.filter((k) => k.gateway === gw);
    }
    if (found.length === 0) throw new Error(`Expected Route ${routeText(r)} not found in routing table`);
  }
}
