// CHECK: the routes the config asked for are what the container has. Rewritten against
// upstream, whose check of delroutes fails whenever a default route exists (it asked whether
// the deleted destination is routable at all): here a deleted route must be absent, a result
// route or an added route present with the right gateway.
import { type CniRequest, type Result100, type Route } from '@cni-ts/cni';
import { withNetns } from '@cni-ts/netlink';
import { loadConf, requirePrevResult } from './config';
import { gatewayFor, gatewaysOf } from './gateway';
import { allRoutes, type KRoute, routesOn } from './kernel';
import { netKey, sameIP } from './net';
import { resolveTargets } from './targets';

const hops = (r: KRoute) => (r.multipath ? r.multipath.map((h) => h.gateway) : [r.gateway]);

function checkRoute(route: Route, found: KRoute[], allowed: (gw: string | undefined) => boolean, what: string): void {
  if (found.length === 0) throw new Error(`route-override: ${what} ${route.dst} not found`);
  if (!found.some((r) => hops(r).some(allowed))) {
    const got = found.flatMap(hops).map((g) => g ?? 'none').join(', ');
    throw new Error(`route-override: failed to match route: ${route.dst}${route.gw ? ` via ${route.gw}` : ''}: kernel has gateway ${got}`);
  }
}

export function cmdCheck(req: CniRequest): void {
  const conf = loadConf(req);
  if (conf.skipcheck) return;
  const res: Result100 = requirePrevResult(conf);
  withNetns(req.netns, () => {
    const { links, device } = resolveTargets(res, req.ifname);
    const mine = routesOn(links);
    const del = conf.delroutes.map((d) => netKey(d.dst)!.key);
    if (conf.flushgateway) del.push('0.0.0.0/0', '::/0');
    // a destination deleted and then added again (the README's example) must be there: below
    const readded = new Set(conf.addroutes.map((a) => netKey(a.dst)!.key));
    for (const k of del.filter((x) => !readded.has(x))) {
      if (mine.some((r) => r.net.key === k)) throw new Error(`route-override: route is not removed: ${k}`);
    }
    const byTable = new Map<number, KRoute[]>();
    const table = (t: number | undefined) => {
      const id = t ?? 254;
      if (!byTable.has(id)) byTable.set(id, allRoutes(id));
      return byTable.get(id)!;
    };
    for (const route of res.routes ?? []) {
      const k = netKey(route.dst);
      if (!k) continue;
      const found = table(route.table).filter((r) => r.net.key === k.key);
      const gws = gatewaysOf(res, k.family);
      checkRoute(route, found, (gw) => (route.gw ? sameIP(gw, route.gw) : gw === undefined || gws.some((g) => sameIP(g, gw))), 'route');
    }
    for (const a of conf.addroutes) {
      const k = netKey(a.dst)!;
      const want = a.gw ?? gatewayFor(res, k.family, device.name);
      const found = routesOn([device], a.table).filter((r) => r.net.key === k.key);
      checkRoute({ dst: a.dst, ...(want && { gw: want }) }, found, (gw) => sameIP(gw, want), 'added route');
    }
  });
}
