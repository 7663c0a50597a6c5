// CHECK: the device of prevResult is in the sandbox with its MAC, and the addresses and routes
// of the result are present (texts capitalised as upstream's).
import { ipamCheck, type CniRequest, type Interface100 } from '@cni-ts/cni';
import { linkByName, withNetns } from '@cni-ts/netlink';
import { containerInterface, openContainerNetns, prevResultOf, validateExpectedInterfaceIPs, validateExpectedRoute } from '@cni-ts/plugin-kit';
import { ipamType } from './config';
import { loadConf } from './load';

function validateInterface(intf: Interface100): void {
  if (intf.name === '') throw new Error(`Container interface name missing in prevResult: ${intf.name}`);
  let link;
  try {
    link = linkByName(intf.name);
  } catch {
    throw new Error(`Container Interface name in prevResult: ${intf.name} not found`);
  }
  if (!intf.sandbox) throw new Error(`Error: Container interface ${link.name} should not be in host namespace`);
  if (intf.mac && intf.mac !== link.mac) {
    throw new Error(`Interface ${intf.name} Mac ${intf.mac} doesn't match container Mac: ${link.mac ?? ''}`);
  }
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
