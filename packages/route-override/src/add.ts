// ADD, in the README's order: flush routes, flush the gateway, delete `delroutes`, add
// `addroutes`; then the result is prevResult with its routes made to match what the kernel now
// has. Unlike upstream, every kernel error fails ADD (upstream printed them and went on), and a
// failure puts back whatever this call changed before it returns.
import { type CniRequest, type Result100, type Route } from '@cni-ts/cni';
import { isNotFound, type Link, type RouteSpec, withNetns } from '@cni-ts/netlink';
import { type RouteOverrideConf, loadConf, requirePrevResult } from './config';
import { gatewayFor } from './gateway';
import { addRoute, deleteRoute, describeSpec, kernelText, type KRoute, routesOn, specOf } from './kernel';
import { isDefault, netKey, sameIP } from './net';
import { type Changes, recordChanges, stateFile } from './state';
import { resolveTargets } from './targets';

const DEFAULTS = ['0.0.0.0/0', '::/0'];

/** flushroutes: not link scope, and either a default route or a gateway route off link-local. */
function flushable(r: KRoute): boolean {
  if (r.scope === 'link') return false;
  const hasGw = r.gateway !== undefined || !!r.multipath?.some((h) => h.gateway !== undefined);
  return isDefault(r.net) || (!r.net.linkLocal && hasGw);
}

/** The kernel routes to delete, each once. */
function toDelete(conf: RouteOverrideConf, links: Link[], delKeys: Set<string>): KRoute[] {
  const out = new Map<string, KRoute>();
  const add = (r: KRoute) => out.set(JSON.stringify(specOf(r)), r);
  for (const r of routesOn(links)) {
    if (conf.flushroutes && flushable(r)) add(r);
    if (delKeys.has(r.net.key)) add(r);
  }
  // delroutes naming another table
  for (const d of conf.delroutes) {
    if (d.table === undefined || d.table === 254) continue;
    const k = netKey(d.dst)!.key;
    for (const r of routesOn(links, d.table)) if (r.net.key === k) add(r);
  }
  return [...out.values()];
}

interface Undo {
  steps: [string, () => void][];
}

function run(undo: Undo, log: (m: string) => void): void {
  for (const [what, fn] of undo.steps.toReversed()) {
    try {
      fn();
    } catch (err) {
      if (!isNotFound(err)) log(`route-override: rollback: failed to ${what}: ${(err as Error).message}`);
    }
  }
}

function apply(req: CniRequest, conf: RouteOverrideConf, res: Result100, changes: Changes, undo: Undo): Route[] {
  const { links, device } = resolveTargets(res, req.ifname);
  const delKeys = new Set(conf.delroutes.map((d) => netKey(d.dst)!.key));
  if (conf.flushgateway) for (const d of DEFAULTS) delKeys.add(d);

  for (const r of toDelete(conf, links, delKeys)) {
    const spec = specOf(r);
    try {
      if (!deleteRoute(spec)) continue;
    } catch (err) {
      throw new Error(`failed to delete route '${describeSpec(spec)}': ${kernelText(err)}`, { cause: err });
    }
    changes.deleted.push(spec);
    undo.steps.push([`add back route '${describeSpec(spec)}'`, () => addRoute(spec)]);
  }

  // The result's routes: upstream's rule (drop those whose dst is deleted) without flushroutes;
  // with it, only the routes the kernel still has (upstream dropped them all).
  let routes = res.routes ?? [];
  if (conf.flushroutes) {
    const left = new Set(routesOn(links).map((r) => r.net.key));
    routes = routes.filter((r) => left.has(netKey(r.dst)?.key ?? ''));
  } else {
    routes = routes.filter((r) => !delKeys.has(netKey(r.dst)?.key ?? ''));
  }

  for (const a of conf.addroutes) {
    const family = netKey(a.dst)!.family;
    const spec: RouteSpec = { dst: a.dst, oif: device.name, scope: a.scope ?? 'universe', family };
    const gw = a.gw ?? gatewayFor(res, family, device.name);
    if (gw !== undefined) spec.gateway = gw;
    if (a.table !== undefined) spec.table = a.table;
    if (a.priority !== undefined) spec.priority = a.priority;
    if (a.mtu !== undefined) spec.mtu = a.mtu;
    if (a.advmss !== undefined) spec.advmss = a.advmss;
    let added: boolean;
    try {
      added = addRoute(spec);
    } catch (err) {
      throw new Error(`failed to add route '${describeSpec(spec)}': ${kernelText(err)}`, { cause: err });
    }
    if (added) {
      changes.added.push(spec);
      undo.steps.push([`delete route '${describeSpec(spec)}'`, () => deleteRoute(spec)]);
    } else if (!present(spec, device)) {
      throw new Error(`failed to add route '${describeSpec(spec)}': another route to ${a.dst} exists`);
    }
    const r: Route = { dst: a.dst };
    for (const k of ['gw', 'mtu', 'advmss', 'priority', 'table', 'scope'] as const) if (a[k] !== undefined) (r as unknown as Record<string, unknown>)[k] = a[k];
    if (!routes.some((x) => netKey(x.dst)?.key === netKey(r.dst)?.key && sameIP(x.gw, r.gw) && x.table === r.table)) routes.push(r);
  }
  return routes;
}

/** An add that met EEXIST is fine when that same route (dst, gateway, device, table) is there. */
function present(spec: RouteSpec, device: Link): boolean {
  const k = netKey(spec.dst!)!.key;
  return routesOn([device], spec.table).some((r) => r.net.key === k && sameIP(r.gateway, spec.gateway) && (spec.priority === undefined || r.priority === spec.priority));
}

export function cmdAdd(req: CniRequest): Result100 {
  const conf = loadConf(req);
  const res = requirePrevResult(conf);
  if (conf.flushgateway) {
    // upstream's way to say "no gateway": the zero address of the family
    for (const ip of res.ips ?? []) ip.gateway = ip.address.includes(':') ? '::' : '0.0.0.0';
  }
  const changes: Changes = { network: conf.name, containerId: req.containerId, ifname: req.ifname, added: [], deleted: [] };
  const undo: Undo = { steps: [] };
  let routes: Route[];
  try {
    routes = withNetns(req.netns, () => {
      try {
        return apply(req, conf, res, changes, undo);
      } catch (err) {
        run(undo, req.log);
        throw err;
      }
    });
  } catch (err) {
    throw new Error(`failed to override routes: ${(err as Error).message}`, { cause: err });
  }
  if (changes.added.length || changes.deleted.length) {
    try {
      recordChanges(stateFile(conf.dataDir, req.containerId, req.ifname), changes);
    } catch (err) {
      withNetns(req.netns, () => run(undo, req.log));
      throw err;
    }
  }
  const out: Result100 = { ...res };
  if (routes.length) out.routes = routes;
  else delete out.routes;
  return out;
}
