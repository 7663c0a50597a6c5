// The few things Multus itself does inside the pod's namespace (upstream validateIfName and
// netutils' default-route helpers). netlink is imported only when a command gets here.
import { ipFamily } from '@cni-ts/cni';

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
