import { type Addr, formatAddr } from '@cni-ts/cni/ip';
import type { Route } from '@cni-ts/cni';
import { type Allocation, allocate } from './allocator';
import { loadIPAMConfig, type StoreConfig } from './config';
import { type DNS, readResolvConf } from './dns';
import { withStoreLock } from './lock';
import { rangeSetContains } from './rangeset';
import type { IpamRequest } from './request';
import { DiskStore } from './store';
import { goFsError } from './_goerr';

/** An IPAM result in spec 1.x form (the skeleton converts it to the config's version). */
export interface IpamResult {
  cniVersion: string;
  ips?: { address: string; gateway?: string }[];
  routes?: Route[];
  dns: DNS;
}

/** Opens (creating it if needed) the network's directory, with upstream's error texts. */
export function openStore(conf: StoreConfig): DiskStore {
  const store = new DiskStore(conf.name, conf.dataDir);
  try {
    store.ensureDir();
  } catch (err) {
    throw goFsError(err, 'mkdir', store.dir);
  }
  return store;
}

/**
 * ADD: one address from every range set, in order, all under the directory lock. A requested
 * address goes to the first set that contains it; if any set fails, or a requested address fits
 * no set, everything this attachment holds is released again.
 */
export async function cmdAdd(req: IpamRequest): Promise<IpamResult> {
  const conf = loadIPAMConfig(req.config, req.loadArgs);
  let dns: DNS = {};
  if (conf.resolvConf) {
    try {
      dns = readResolvConf(conf.resolvConf);
    } catch (err) {
      throw goFsError(err, 'open', conf.resolvConf);
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
  return result;
}

function allocateAll(store: DiskStore, conf: ReturnType<typeof loadIPAMConfig>, req: IpamRequest): Allocation[] {
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
