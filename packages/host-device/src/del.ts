// DEL: release the IPAM allocation and send the device home under its original name (kept in
// its alias), left down. Unlike upstream, DEL is idempotent: without a netns or with the netns
// gone the IPAM allocation is still released, and a device that is no longer in the container
// (already moved out, or the namespace died and the kernel took it back) is not an error.
import { ipamDel, type CniRequest } from '@cni-ts/cni';
import { linkByName, withNetns, type Netns } from '@cni-ts/netlink';
import { ErrorCollector, isNetnsGone, openContainerNetns } from '@cni-ts/plugin-kit';
import { ipamType } from './config';
import { loadConf } from './load';
import { moveLinkOut } from './move';

function hasLink(netns: Netns, ifname: string): boolean {
  try {
    withNetns(netns, () => linkByName(ifname));
    return true;
  } catch {
    return false;
  }
}

export async function cmdDel(req: CniRequest): Promise<void> {
  const conf = loadConf(req.config);
  const errors = new ErrorCollector();
  let netns: Netns | undefined;
  if (req.netns !== '') {
    try {
      netns = openContainerNetns(req.netns);
    } catch (err) {
      if (!isNetnsGone(err)) throw err;
    }
  }
  try {
    const ipam = ipamType(conf);
    if (ipam !== '') await errors.tryAsync(() => ipamDel(ipam, req));
    if (netns && !conf.dpdk && hasLink(netns, req.ifname)) {
      const ns = netns;
      errors.try(() => moveLinkOut(ns, req.ifname));
    }
  } finally {
    netns?.close();
  }
  errors.throwIfAny();
}
