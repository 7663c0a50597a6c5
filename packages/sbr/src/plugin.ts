// The sbr (source-based routing) meta plugin: after a main plugin configured an interface, each
// of its addresses gets a routing table (the first free id from 100 on) holding the interface's
// routes and a default route via the gateway, chosen by a rule `from <ip> lookup <table>`; the
// interface's routes leave the main table (with addSourceHints only the non-subnet ones). So a
// reply leaves through the interface its source address belongs to. With `table`, only the rules
// to that existing table are added. Everything happens inside the container namespace, through a
// netlink socket opened there, holding a flock on the namespace path (as upstream, so concurrent
// ADDs of one pod pick distinct tables); unlike upstream, a missing path is not created, and a
// failure mid-ADD undoes the rules and routes it made and restores the ones it moved.
import { addrEqual, addrNetContains, parseAddr, parseAddrNet, type IPConfig100, type Plugin, type Result100 } from '@cni-ts/cni';
import { FileLock, isNotFound, LinkNotFoundError, openHandle, type NetlinkHandle, type Route, type RouteSpec, type Rule } from '@cni-ts/netlink';
import { errText, isNetnsGone, openContainerNetns, splitCIDR, networkOf, withRollback, type Rollback } from '@cni-ts/plugin-kit';
import { configSchema, loadConf, staticGateways } from './config';

const FIRST_TABLE = 100;
const MAIN_TABLE = 254;

const sbr: Plugin = {
  type: 'sbr',
  configSchema: () => configSchema,

  async add(req) {
    const { conf, prevResult } = loadConf(req);
    if (prevResult === undefined) throw new Error('This plugin must be called as chained plugin');
    const ipCfgs = ipConfigsOf(req.ifname, prevResult);
    // Checked before anything is made (upstream: after the lock, with the same texts).
    const gateways = conf.table === undefined ? staticGateways(conf.gateways) : {};
    await inLockedNetns(req.netns, (h) =>
      withRollback((rb) => {
        if (conf.table !== undefined) addRules(h, ipCfgs, conf.table, rb, 'failed to add rule');
        else doRoutes(h, ipCfgs, req.ifname, gateways, conf.addSourceHints, rb, req.log);
      }, req.log),
    );
    return prevResult;
  },

  // As upstream: nothing to check.
  check() {},

  // The rules (of `table` when configured, else of any table) whose source is an address still on
  // the interface. The interface, the namespace or CNI_NETNS gone: nothing to do.
  async del(req) {
    const { conf } = loadConf(req);
    if (req.netns === '') return;
    try {
      await inLockedNetns(req.netns, (h) => tidyRules(h, req.ifname, conf.table));
    } catch (err) {
      if (isNetnsGone(err)) return;
      throw err;
    }
  },
};

export default sbr;

/** getIPCfgs: the IPs of prevResult without an interface or on an interface named `ifname`. */
function ipConfigsOf(ifname: string, result: Result100): IPConfig100[] {
  const ips = result.ips ?? [];
  if (ips.length === 0) throw new Error(`No IP addresses supplied on interface: ${ifname}`);
  const ifs = result.interfaces ?? [];
  return ips.filter((ip) => ip.interface === undefined || ip.interface < 0 || ip.interface >= ifs.length || ifs[ip.interface]!.name === ifname);
}

/**
 * withLockAndNetNS: the namespace opened first (so the lock is only ever taken on a namespace),
 * then an exclusive flock on its path (never creating it), then `fn` with a netlink socket inside.
 */
async function inLockedNetns<T>(path: string, fn: (h: NetlinkHandle) => T | Promise<T>): Promise<T> {
  const netns = openContainerNetns(path);
  let lock: FileLock | undefined;
  let h: NetlinkHandle | undefined;
  try {
    lock = new FileLock(path, { create: false });
    lock.lock();
    h = openHandle(netns);
    return await fn(h);
  } finally {
    h?.close();
    lock?.close();
    netns.close();
  }
}

/** `from <ip>/32 (/128) lookup <table>` for each address. */
function addRules(h: NetlinkHandle, ipCfgs: IPConfig100[], table: number, rb: Rollback, what: string): void {
  for (const ipc of ipCfgs) addRule(h, ipc, table, rb, what);
}

function addRule(h: NetlinkHandle, ipc: IPConfig100, table: number, rb: Rollback, what: string): void {
  const { ip, family } = splitCIDR(ipc.address);
  const src = `${ip}/${family === 4 ? 32 : 128}`;
  try {
    h.ruleAdd({ src, table });
  } catch (err) {
    throw new Error(`${what}: ${errText(err)}`, { cause: err });
  }
  rb.add(`deleting the rule from ${src} lookup ${table}`, () => h.ruleDel({ family, src, table }));
}

/** getNextTableID: the first id from `from` on that no rule looks up and no route (of any table) is in. */
function nextTable(rules: Rule[], routes: Route[], from: number): number {
  const used = new Set([...rules.map((r) => r.table), ...routes.map((r) => r.table)]);
  let t = from;
  while (used.has(t)) t++;
  return t;
}

/** A listed route as a spec that recreates it (in `table`). */
function specOf(r: Route, table = r.table): RouteSpec {
  const spec: RouteSpec = { family: r.family, dst: r.dst ?? 'default', table, protocol: r.protocol as RouteSpec['protocol'], scope: r.scope as RouteSpec['scope'], type: r.type as RouteSpec['type'] };
  if (r.gateway !== undefined) spec.gateway = r.gateway;
  if (r.oif !== undefined) spec.oif = r.oif;
  if (r.src !== undefined) spec.src = r.src;
  if (r.priority !== undefined) spec.priority = r.priority;
  if (r.mtu !== undefined) spec.mtu = r.mtu;
  if (r.advmss !== undefined) spec.advmss = r.advmss;
  if (r.tos) spec.tos = r.tos;
  if (r.onlink) spec.onlink = true;
  if (r.multipath) spec.multipath = r.multipath;
  return spec;
}

const routeText = (r: Route): string => `${r.dst ?? 'default'}${r.gateway ? ` via ${r.gateway}` : ''}${r.src ? ` src ${r.src}` : ''} table ${r.table}`;

/** Tolerates "already gone" (an undo whose object went with another undo). */
function ignoreNotFound(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

function doRoutes(
  h: NetlinkHandle,
  ipCfgs: IPConfig100[],
  ifname: string,
  gateways: { v4?: string; v6?: string },
  addSourceHints: boolean,
  rb: Rollback,
  log: (msg: string) => void,
): void {
  let rules: Rule[];
  let allRoutes: Route[];
  try {
    rules = h.ruleList('all');
  } catch (err) {
    throw new Error(`Failed to list all rules: ${errText(err)}`, { cause: err });
  }
  try {
    allRoutes = h.routeList({ family: 'all', table: 'all' });
  } catch (err) {
    throw new Error(`Failed to list all routes: ${errText(err)}`, { cause: err });
  }
  let table = nextTable(rules, allRoutes, FIRST_TABLE);
  let link;
  try {
    link = h.linkByName(ifname);
  } catch (err) {
    throw new Error(`Cannot find network interface ${ifname}: ${errText(err)}`, { cause: err });
  }
  let routes: Route[];
  try {
    routes = h.routeList({ family: 'all', oif: link.index });
  } catch (err) {
    throw new Error(`Unable to list routes: ${errText(err)}`, { cause: err });
  }

  for (const ipc of ipCfgs) {
    log(`sbr: rule from ${ipc.address} lookup ${table}`);
    addRule(h, ipc, table, rb, 'Failed to add rule');
    const { family } = splitCIDR(ipc.address);
    const gateway = (family === 4 ? gateways.v4 : gateways.v6) ?? ipc.gateway;
    const t = table;
    if (gateway !== undefined) {
      const dst = family === 4 ? '0.0.0.0/0' : '::/0';
      try {
        h.routeAdd({ dst, gateway, table: t, oif: link.index });
      } catch (err) {
        throw new Error(`Failed to add default route to ${gateway}: ${errText(err)}`, { cause: err });
      }
      rb.add(`deleting the default route of table ${t}`, () => ignoreNotFound(() => h.routeDel({ dst, table: t, oif: link.index })));
    }
    // The interface's routes into the new table: those from or via this address's subnet, and
    // the generic ones (neither source nor gateway).
    const net = parseAddrNet(ipc.address)!;
    const inNet = (a: string | undefined) => a !== undefined && addrNetContains(net, parseAddr(a)!);
    for (const r of routes) {
      if (!(inNet(r.src) || inNet(r.gateway) || (r.src === undefined && r.gateway === undefined))) continue;
      const spec = specOf(r, t);
      try {
        h.routeReplace(spec);
      } catch (err) {
        throw new Error(`Failed to readd route: ${errText(err)}`, { cause: err });
      }
      rb.add(`deleting ${routeText(r)} from table ${t}`, () => ignoreNotFound(() => h.routeDel(spec)));
    }
    table = nextTable(rules, allRoutes, table + 1);
  }

  if (addSourceHints) {
    // Destination-based routing keeps working for traffic that picks no source: the subnet
    // routes stay in main, with the address as source hint. Failures are only logged (as upstream).
    for (const ipc of ipCfgs) {
      const { ip } = splitCIDR(ipc.address);
      try {
        h.routeReplace({ oif: link.index, dst: networkOf(ipc.address), src: ip, table: MAIN_TABLE, scope: 'link' });
      } catch (err) {
        log(`sbr: warning: failed to add subnet route to main table: ${errText(err)}`);
      }
    }
    for (const r of routes) {
      if (r.scope === 'link') continue;
      try {
        h.routeDel(specOf(r));
        rb.add(`restoring ${routeText(r)}`, () => h.routeReplace(specOf(r)));
      } catch (err) {
        log(`sbr: warning: failed to delete route: ${errText(err)}`);
      }
    }
    return;
  }
  // Only now: several addresses of one subnet all need the routes while they are copied.
  for (const r of routes) {
    try {
      h.routeDel(specOf(r));
    } catch (err) {
      throw new Error(`Failed to delete route: ${errText(err)}`, { cause: err });
    }
    rb.add(`restoring ${routeText(r)}`, () => h.routeReplace(specOf(r)));
  }
}

/** tidyRules: every rule (of `table` when given) whose source is an address of the interface. */
function tidyRules(h: NetlinkHandle, ifname: string, table: number | undefined): void {
  let rules: Rule[];
  try {
    rules = h.ruleList('all');
  } catch (err) {
    throw new Error(table === undefined ? `Failed to list all rules to tidy: ${errText(err)}` : `failed to list rules of table ${table} to tidy: ${errText(err)}`, { cause: err });
  }
  if (table !== undefined) rules = rules.filter((r) => r.table === table);
  let link;
  try {
    link = h.linkByName(ifname);
  } catch (err) {
    if (err instanceof LinkNotFoundError) return;
    throw new Error(`Failed to get link ${ifname}: ${errText(err)}`, { cause: err });
  }
  let addrs: string[];
  try {
    addrs = h.addrList(link.index, 'all').map((a) => a.ip);
  } catch (err) {
    throw new Error(`Failed to list all addrs: ${errText(err)}`, { cause: err });
  }
  const mine = addrs.map((a) => parseAddr(a));
  let last: Error | undefined;
  for (const r of rules) {
    if (r.src === undefined) continue;
    const src = parseAddrNet(r.src)?.ip;
    if (!mine.some((a) => addrEqual(a, src))) continue;
    try {
      h.ruleDel({ family: r.family, priority: r.priority, table: r.table, src: r.src });
    } catch (err) {
      // Keep going; the last failure is returned (as upstream).
      last = new Error(`Failed to delete rule ${errText(err)}`, { cause: err });
    }
  }
  if (last) throw last;
}
