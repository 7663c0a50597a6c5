// The host-local IPAM plugin: addresses from configured ranges, one file per reserved address in
// <dataDir>/<network> (the disk store, store.ts), taken under the directory's flock (lock.ts)
// so that Go and TypeScript processes sharing a directory exclude each other.
import { accessSync, constants } from 'node:fs';
import { CniError, ErrCode, type CniRequest, type Plugin, type Route } from '@cni-ts/cni';
import { type Addr, formatAddr, parseAddr } from '@cni-ts/cni/ip';
import { pathError } from '@cni-ts/plugin-kit';
import { type Allocation, allocate } from './allocator';
import { configSchema, loadIPAMConfig, loadStoreConfig, validAttachments, type IPAMConfig, type StoreConfig } from './config';
import { type DNS, readResolvConf } from './dns';
import { withStoreLock } from './lock';
import { rangeSetContains } from './rangeset';
import { DiskStore, goTrimSpace, LINE_BREAK } from './store';

/** An IPAM result in spec 1.x form (the skeleton converts it to the config's version). */
export interface IpamResult {
  cniVersion: string;
  ips?: { address: string; gateway?: string }[];
  routes?: Route[];
  dns: DNS;
}

const hostLocal: Plugin = {
  type: 'host-local',
  configSchema: () => configSchema,

  // One address from every range set, in order, all under the directory lock. A requested
  // address goes to the first set that contains it; if any set fails, or a requested address
  // fits no set, everything this attachment holds is released again.
  async add(req) {
    const conf = loadIPAMConfig(req);
    let dns: DNS = {};
    if (conf.resolvConf) {
      try {
        dns = readResolvConf(conf.resolvConf);
      } catch (err) {
        throw pathError('open', conf.resolvConf, err);
      }
    }
    const store = openStore(conf);
    const allocations = await withStoreLock(store.lockPath, () => allocateAll(store, conf, req));
    const result: IpamResult = {
      cniVersion: '1.1.0',
      ips: allocations.map((a) => ({ address: `${formatAddr(a.ip)}/${a.prefix}`, gateway: formatAddr(a.gateway) })),
      dns,
    };
    if (conf.routes.length > 0) result.routes = conf.routes;
    return result as never;
  },

  // The attachment (or, for legacy files, the container) holds at least one address.
  async check(req) {
    const store = openStore(loadIPAMConfig(req));
    const found = await withStoreLock(store.lockPath, () => store.findByID(req.containerId, req.ifname));
    if (!found) throw new Error(`host-local: Failed to find address added by container ${req.containerId}`);
  },

  // Releases every file of the attachment anywhere in the network's directory, whatever the
  // configured ranges. Like upstream, the release runs once per range set: with several sets
  // the second pass also removes legacy files that hold only the container id. Idempotent.
  async del(req) {
    const conf = loadIPAMConfig(req);
    const store = openStore(conf);
    await withStoreLock(store.lockPath, () => {
      for (let i = 0; i < conf.ranges.length; i++) store.releaseByID(req.containerId, req.ifname);
    });
  },

  async gc(req) {
    await collectGarbage(req);
  },

  // host-local can serve ADD when its network directory exists (or can be created) and is
  // writable. Exhausted ranges are not reported: a node must not turn NotReady because one
  // pool is full.
  status(req) {
    const conf = loadStoreConfig(req.config);
    try {
      const store = openStore(conf);
      accessSync(store.dir, constants.W_OK | constants.X_OK);
    } catch (err) {
      throw new CniError(ErrCode.pluginNotAvailable, `host-local: data directory not usable: ${(err as Error).message}`, '', { cause: err });
    }
  },
};

export default hostLocal;

/** Opens (creating it if needed) the network's directory, with upstream's error texts. */
function openStore(conf: StoreConfig): DiskStore {
  const store = new DiskStore(conf.name, conf.dataDir);
  try {
    store.ensureDir();
  } catch (err) {
    // MkdirAll names the component that failed.
    throw pathError('mkdir', (err as NodeJS.ErrnoException).path ?? store.dir, err);
  }
  return store;
}

function allocateAll(store: DiskStore, conf: IPAMConfig, req: CniRequest): Allocation[] {
  // Upstream keys requested addresses by their text, so a repeated address counts once.
  const pending = new Map<string, Addr>();
  for (const ip of conf.requestedIPs) if (!pending.has(formatAddr(ip))) pending.set(formatAddr(ip), ip);
  const done: Allocation[] = [];
  const rollback = () => {
    if (done.length > 0) store.releaseByID(req.containerId, req.ifname);
  };
  for (const [idx, set] of conf.ranges.entries()) {
    let requested: Addr | undefined;
    // Upstream takes a random one when several requested addresses fit one set; we take the first.
    for (const [key, ip] of pending) {
      if (rangeSetContains(set, ip)) {
        requested = ip;
        pending.delete(key);
        break;
      }
    }
    try {
      done.push(allocate(store, set, idx, req.containerId, req.ifname, requested));
    } catch (err) {
      rollback();
      throw new Error(`failed to allocate for range ${idx}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (pending.size > 0) {
    rollback();
    throw new Error(`failed to allocate all requested IPs: ${[...pending.keys()].join(' ')}`);
  }
  return done;
}

/**
 * GC (spec 1.1): releases every reservation of the network whose attachment is not in
 * `cni.dev/valid-attachments`. Only files named by an address are reservations (`lock` and
 * `last_reserved_ip.N` stay); a legacy file holding only a container id is kept while any valid
 * attachment has that container id. Returns the released addresses.
 */
export async function collectGarbage(req: Pick<CniRequest, 'config'>): Promise<string[]> {
  const valid = validAttachments(req.config);
  const conf = loadStoreConfig(req.config);
  if (!valid) return [];
  const keys = new Set(valid.map((a) => goTrimSpace(a.containerID) + LINE_BREAK + a.ifname));
  const ids = new Set(valid.map((a) => goTrimSpace(a.containerID)));
  const store = openStore(conf);
  return withStoreLock(store.lockPath, () => {
    const released: string[] = [];
    for (const e of store.topEntries()) {
      if (!parseAddr(e.name)) continue;
      const live = e.key.includes(LINE_BREAK) ? keys.has(e.key) : ids.has(e.key) && e.key !== '';
      if (!live && store.remove(e)) released.push(e.name);
    }
    return released;
  });
}
