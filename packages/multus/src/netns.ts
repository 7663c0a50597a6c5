// The few things Multus itself does inside the pod's namespace (upstream validateIfName and
// netutils' default-route helpers). netlink is imported only when a command gets here.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ipFamily } from '@cni-ts/cni';

/**
 * The pod's netns as this process sees it. The thick daemon runs in its own mount namespace: a
 * netns path the runtime gave that it does not show (Talos puts them under /var/run/netns, a
 * directory of its own) is looked up under `hostRoot` (chrootDir, the host's root). Only
 * Multus's own netns work uses this; delegates, chrooted into the host's root, get the path as
 * the runtime gave it.
 */
export function visibleNetns(netns: string, hostRoot: string | undefined): string {
  if (!netns || !hostRoot || existsSync(netns)) return netns;
  const alt = path.join(hostRoot, netns);
  return existsSync(alt) ? alt : netns;
}

const netlink = () => import('@cni-ts/netlink');

/** validateIfName: the netns must open and must not have `ifname` yet. */
export async function validateIfName(netnsPath: string, ifname: string): Promise<void> {
  const nl = await netlink();
  let exists: boolean;
  try {
    exists = nl.withNetns(netnsPath, () => nl.findLink(ifname) !== undefined);
  } catch (err) {
    if (err instanceof nl.NetnsNotExistError || err instanceof nl.NetnsNotNsError) {
      throw new Error(`validateIfName: no net namespace ${netnsPath} found: ${(err as Error).message}`, { cause: err });
    }
    throw err;
  }
  if (exists) throw new Error(`validateIfName: interface name ${ifname} already exists`);
}

/** DeleteDefaultGW: every route without a destination on `ifname`, both families. */
export async function deleteDefaultGW(netnsPath: string, ifname: string): Promise<void> {
  const nl = await netlink();
  nl.withNetns(netnsPath, () => {
    const link = nl.findLink(ifname);
    if (!link) return;
    for (const r of nl.routeList({ oif: link.index, family: 'all' })) {
      if (r.dst === undefined) nl.routeDel({ family: r.family, oif: link.index, gateway: r.gateway, table: r.table, priority: r.priority });
    }
  });
}

/** SetDefaultGW: `default via <gw> dev <ifname>` for each gateway (EEXIST ignored). */
export async function setDefaultGW(netnsPath: string, ifname: string, gateways: readonly string[]): Promise<void> {
  const nl = await netlink();
  nl.withNetns(netnsPath, () => {
    const link = nl.findLink(ifname);
    if (!link) throw new Error(`SetDefaultGW: Error getting link Link not found`);
    for (const gw of gateways) {
      try {
        nl.routeAdd({ oif: link.index, gateway: gw, family: ipFamily(gw) });
      } catch (err) {
        if (!nl.isExist(err)) throw err;
      }
    }
  });
}
