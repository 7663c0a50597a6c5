// CHECK: the device of prevResult is in the sandbox with its MAC, and the addresses and routes
// of the result are present (texts capitalised as upstream's).
import { ipamCheck, type CniRequest, type Interface100 } from '@cni-ts/cni';
import { withNetns } from '@cni-ts/netlink';
import {
  checkContainerMac,
  containerInterface,
  containerLink,
  openContainerNetns,
  prevResultOf,
  validateExpectedInterfaceIPs,
  validateExpectedRoute,
} from '@cni-ts/plugin-kit';
import { ipamType } from './config';
import { loadConf } from './load';

function validateInterface(intf: Interface100): void {
  const link = containerLink(intf);
  checkContainerMac(intf, link);
}

export async function cmdCheck(req: CniRequest): Promise<void> {
  const conf = loadConf(req.config);
  const netns = openContainerNetns(req.netns);
  try {
    const ipam = ipamType(conf);
    if (ipam !== '') await ipamCheck(ipam, req);
    if (conf.prevResult === undefined) throw new Error('Required prevResult missing');
    const result = prevResultOf(conf.prevResult, req.cniVersion)!;
    if (conf.dpdk) return;
    const intf = containerInterface(result, req.ifname, req.netns);
    if (intf.sandbox !== req.netns) {
      throw new Error(`Sandbox in prevResult ${intf.sandbox ?? ''} doesn't match configured netns: ${req.netns}`);
    }
    withNetns(netns, () => {
      validateInterface(intf);
      validateExpectedInterfaceIPs(req.ifname, result.ips);
      validateExpectedRoute(result.routes);
    });
  } finally {
    netns.close();
  }
}
