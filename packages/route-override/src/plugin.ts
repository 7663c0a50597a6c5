// The route-override meta plugin (openshift/route-override-cni): flushes, deletes and adds
// routes of the container after the main plugin. ADD, in the README's order: flush routes,
// flush the gateway, delete `delroutes`, add `addroutes`; the result is prevResult with its
// routes made to match what the kernel now has. Unlike upstream, every kernel error fails ADD
// (upstream printed them and went on), a failure puts back whatever this call changed, and what
// ADD changed is recorded (state.ts) so that DEL undoes it (upstream's DEL did nothing).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CniRequest, ipFamily, type Plugin, type Result100, type Route } from '@cni-ts/cni';
import { findLink, isNotFound, type Link, type RouteSpec, withNetns } from '@cni-ts/netlink';
import { configSchema, DATA_DIR_ENV, DEFAULT_DATA_DIR, loadConf, requirePrevResult, type RouteOverrideConf } from './config';
import { addRoute, allRoutes, deleteRoute, describeSpec, kernelText, type KRoute, routesOn, specOf } from './kernel';
import { isDefault, isZeroIP, netKey, sameIP } from './net';
import { type Changes, readChanges, recordChanges, removeChanges, stateFile } from './state';

const routeOverride: Plugin = {
  type: 'route-override',
  configSchema: () => configSchema,

  add(req) {
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
  },

  // The routes the config asked for are what the container has. Rewritten against upstream,
  // whose check of delroutes fails whenever a default route exists (it asked whether the
  // deleted destination is routable at all): here a deleted route must be absent, a result
  // route or an added route present with the right gateway.
  check(req) {
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
  },

  // Undoes ADD from its record: deletes the routes ADD added (if still there) and adds back the
  // routes it deleted (if their interface is still there). Like every DEL it succeeds whatever
  // it finds: a missing netns, interface or record means there is nothing left to undo; other
  // failures are reported on stderr.
  del(req) {
    const file = stateFile(dataDir(req), req.containerId, req.ifname);
    if (!existsSync(file)) return;
    try {
      const changes = readChanges(file);
      if (!changes || req.netns === '') return;
      withNetns(req.netns, () => {
        for (const spec of changes.added.toReversed()) {
          try {
            deleteRoute(spec);
          } catch (err) {
            req.log(`route-override: failed to delete route '${describeSpec(spec)}': ${(err as Error).message}`);
          }
        }
        for (const spec of changes.deleted) {
          try {
            addRoute(spec);
          } catch (err) {
            // ENODEV/LinkNotFound: the interface went away with its routes; nothing to restore
            const code = (err as { code?: string }).code;
            if (code !== 'ENODEV' && code !== 'ENETUNREACH' && !(err instanceof Error && err.message === 'Link not found')) {
              req.log(`route-override: failed to restore route '${describeSpec(spec)}': ${(err as Error).message}`);
            }
          }
        }
      });
    } catch (err) {
      req.log(`route-override: not restoring routes from ${file}: ${(err as Error).message}`);
    } finally {
      removeChanges(file);
    }
  },

  // GC (spec 1.1.0): records of this network's attachments that the runtime no longer lists are
  // removed. The runtime has already run DEL for the attachments it knew about; what is left
  // here belongs to containers whose DEL never came (their namespace, and its routes, are gone).
  gc(req) {
    const conf = loadConf(req);
    const valid = validAttachments(req.config);
    // without the list every attachment would look stale: do nothing rather than guess
    if (!valid) return;
    let names: string[];
    try {
      names = readdirSync(conf.dataDir).filter((n) => n.endsWith('.json'));
    } catch {
      return;
    }
    for (const name of names) {
      const file = join(conf.dataDir, name);
      try {
        const c = readChanges(file);
        if (!c || c.network !== conf.name || valid.has(`${c.containerId}\0${c.ifname}`)) continue;
        removeChanges(file);
      } catch (err) {
        req.log(`route-override: gc: skipping ${file}: ${(err as Error).message}`);
      }
    }
  },

  status: () => undefined,
};

export default routeOverride;

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


const hops = (r: KRoute) => (r.multipath ? r.multipath.map((h) => h.gateway) : [r.gateway]);

function checkRoute(route: Route, found: KRoute[], allowed: (gw: string | undefined) => boolean, what: string): void {
  if (found.length === 0) throw new Error(`route-override: ${what} ${route.dst} not found`);
  if (!found.some((r) => hops(r).some(allowed))) {
    const got = found.flatMap(hops).map((g) => g ?? 'none').join(', ');
    throw new Error(`route-override: failed to match route: ${route.dst}${route.gw ? ` via ${route.gw}` : ''}: kernel has gateway ${got}`);
  }
}


function dataDir(req: CniRequest): string {
  try {
    return loadConf(req).dataDir;
  } catch {
    // DEL must not fail on a config ADD would have refused
    return req.env[DATA_DIR_ENV] || DEFAULT_DATA_DIR;
  }
}


function validAttachments(config: Record<string, unknown>): Set<string> | undefined {
  const list = config['cni.dev/valid-attachments'] ?? config['cni.dev/attachments'];
  if (!Array.isArray(list)) return undefined;
  return new Set(list.map((a: { containerID?: unknown; ifname?: unknown }) => `${String(a?.containerID)}\0${String(a?.ifname)}`));
}


// Which interfaces route-override works on: those of prevResult with a sandbox (the container
// side), as upstream. When prevResult lists none, CNI_IFNAME (upstream fell back to "eth0",
// or panicked when adding routes).

export interface Targets {
  links: Link[];
  /** where addroutes go: CNI_IFNAME when it is a target, else the first target. */
  device: Link;
}

export function targetNames(res: Result100, ifname: string): string[] {
  const names = (res.interfaces ?? []).filter((i) => i.sandbox).map((i) => i.name);
  return names.length > 0 ? [...new Set(names)] : [ifname];
}

/** Looks the targets up in the current namespace; a missing one is an error. */
export function resolveTargets(res: Result100, ifname: string): Targets {
  const links = targetNames(res, ifname).map((name) => {
    const l = findLink(name);
    if (!l) throw new Error(`failed to find interface ${JSON.stringify(name)} in the container: Link not found`);
    return l;
  });
  return { links, device: links.find((l) => l.name === ifname) ?? links[0]! };
}

// The gateway a route without `gw` goes through: CNI's convention (a result route without gw
// uses the default gateway of its family, as ipam.ConfigureIface does) and the README's
// promise for addroutes. Upstream added such routes on-link instead (no gateway at all).

/** The gateway of the first result address of `family` (on `device` if any is), or undefined. */
export function gatewayFor(res: Result100, family: 4 | 6, device: string): string | undefined {
  const ips = (res.ips ?? []).filter((i) => i.gateway !== undefined && !isZeroIP(i.gateway) && ipFamily(i.address) === family);
  const index = (res.interfaces ?? []).findIndex((i) => i.name === device);
  const onDevice = ips.find((i) => i.interface !== undefined && i.interface === index);
  return (onDevice ?? ips[0])?.gateway;
}

/** Every non-zero gateway of the result's addresses of `family`. */
export function gatewaysOf(res: Result100, family: 4 | 6): string[] {
  return (res.ips ?? []).filter((i) => !isZeroIP(i.gateway) && ipFamily(i.address) === family).map((i) => i.gateway!);
}
