// CHECK: the attachment described by prevResult must still be there: IPAM agrees, the
// interface exists in the sandbox as a macvlan of the configured mode with the reported MAC,
// and the addresses and routes of the result are present.
import { ipamCheck, type CniRequest, type Interface100 } from '@cni-ts/cni';
import { linkByName, withNetns } from '@cni-ts/netlink';
import {
  containerInterface,
  errText,
  openContainerNetns,
  prevResultOf,
  validateExpectedInterfaceIPs,
  validateExpectedRoute,
} from '@cni-ts/plugin-kit';
import { ipamType } from './config';
import { inMasterNetns, loadConf } from './load';
import { parseMode } from './mode';

function validateInterface(intf: Interface100, mode: string | undefined): void {
  if (intf.name === '') throw new Error(`container interface name missing in prevResult: ${intf.name}`);
  let link;
  try {
    link = linkByName(intf.name);
  } catch {
    throw new Error(`container Interface name in prevResult: ${intf.name} not found`);
  }
  if (!intf.sandbox) throw new Error(`error: Container interface ${link.name} should not be in host namespace`);
  if (link.kind !== 'macvlan') throw new Error(`error: Container interface ${link.name} not of type macvlan`);
  const want = parseMode(mode);
  const have = link.data && 'mode' in link.data ? link.data.mode : undefined;
  if (have !== want) {
    if (typeof have !== 'string') throw new Error(`unknown macvlan mode: ${JSON.stringify(String(have))}`);
    throw new Error(`container macvlan mode ${have} does not match expected value: ${want}`);
  }
  if (intf.mac && intf.mac !== link.mac) {
    throw new Error(`interface ${intf.name} Mac ${intf.mac} doesn't match container Mac: ${link.mac ?? ''}`);
  }
}

export async function cmdCheck(req: CniRequest): Promise<void> {
  const conf = loadConf(req);
  const netns = openContainerNetns(req.netns);
  try {
    const ipam = ipamType(conf);
    if (ipam !== '') await ipamCheck(ipam, req);
    if (conf.prevResult === undefined) throw new Error('required prevResult missing');
    const result = prevResultOf(conf.prevResult, req.cniVersion)!;
    const intf = containerInterface(result, req.ifname, req.netns);
    if (intf.sandbox !== req.netns) {
      throw new Error(`sandbox in prevResult ${intf.sandbox ?? ''} doesn't match configured netns: ${req.netns}`);
    }
    try {
      inMasterNetns(conf, req.netns, () => linkByName(conf.master));
    } catch (err) {
      throw new Error(`failed to lookup master ${JSON.stringify(conf.master)}: ${errText(err)}`, { cause: err });
    }
    withNetns(netns, () => {
      validateInterface(intf, conf.mode);
      validateExpectedInterfaceIPs(req.ifname, result.ips);
      validateExpectedRoute(result.routes);
    });
  } finally {
    netns.close();
  }
}
