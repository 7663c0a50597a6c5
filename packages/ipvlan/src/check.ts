// CHECK: the attachment of prevResult must still be there (texts capitalised as upstream's).
// Unlike upstream, a config without `master` can pass: the default-route interface is checked
// when there is one (upstream looks up master "" and always fails).
import { ipamCheck, type CniRequest, type Interface100 } from '@cni-ts/cni';
import { linkByName, withNetns } from '@cni-ts/netlink';
import {
  checkContainerMac,
  containerInterface,
  containerLink,
  errText,
  openContainerNetns,
  validateExpectedInterfaceIPs,
  validateExpectedRoute,
} from '@cni-ts/plugin-kit';
import { ipamType } from './config';
import { inMasterNetns, loadConf, type LoadedConf } from './load';
import { parseFlag, parseMode } from './mode';

function validateInterface(intf: Interface100, conf: LoadedConf): void {
  const link = containerLink(intf);
  if (link.kind !== 'ipvlan') throw new Error(`Error: Container interface ${link.name} not of type ipvlan`);
  const data = (link.data ?? {}) as { mode?: string | number; flag?: string | number };
  const want = parseMode(conf.mode);
  if (data.mode !== want) {
    if (typeof data.mode !== 'string') throw new Error(`unknown ipvlan mode: ${JSON.stringify(String(data.mode))}`);
    throw new Error(`Container IPVlan mode ${data.mode} does not match expected value: ${want}`);
  }
  // Only checked when configured: upstream has no flag and always creates bridge.
  if (conf.flag !== undefined && conf.flag !== '') {
    const flag = parseFlag(conf.flag);
    if ((data.flag ?? 'bridge') !== flag) throw new Error(`Container IPVlan flag ${String(data.flag)} does not match expected value: ${flag}`);
  }
  checkContainerMac(intf, link);
}

export async function cmdCheck(req: CniRequest): Promise<void> {
  const conf = loadConf(req, { check: true });
  const netns = openContainerNetns(req.netns);
  try {
    const ipam = ipamType(conf);
    if (ipam !== '') await ipamCheck(ipam, req);
    const result = conf.prev;
    if (result === undefined) throw new Error('Required prevResult missing');
    const intf = containerInterface(result, req.ifname, req.netns);
    if (intf.sandbox !== req.netns) {
      throw new Error(`Sandbox in prevResult ${intf.sandbox ?? ''} doesn't match configured netns: ${req.netns}`);
    }
    if (conf.master !== '') {
      try {
        inMasterNetns(conf, req.netns, () => linkByName(conf.master));
      } catch (err) {
        throw new Error(`failed to lookup master ${JSON.stringify(conf.master)}: ${errText(err)}`, { cause: err });
      }
    }
    withNetns(netns, () => {
      validateInterface(intf, conf);
      validateExpectedInterfaceIPs(req.ifname, result.ips);
      validateExpectedRoute(result.routes);
    });
  } finally {
    netns.close();
  }
}
