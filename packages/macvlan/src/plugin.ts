// The macvlan plugin: a macvlan interface on a host link (the master), created in the container.
// ADD: config, the link (made under a temporary name in the container, then renamed), IPAM and
// the addresses (L3) or just the link up (L2), result. Every step registers its undo; a failure
// rolls all of them back (upstream leaks the link when IPAM or ConfigureIface fails).
import { ipamCheck, ipamStatus, type Interface100, type Plugin, type Result100 } from '@cni-ts/cni';
import { linkByName, linkSetUp, withNetns } from '@cni-ts/netlink';
import {
  allocateAddresses,
  canonicalMac,
  configureIface,
  containerInterface,
  createChildLink,
  delChildLink,
  enableAddressNotify,
  errText,
  inMasterNetns,
  openContainerNetns,
  prevResultOf,
  validateExpectedInterfaceIPs,
  validateExpectedRoute,
  withContainer,
} from '@cni-ts/plugin-kit';
import { configSchema, decodeConf, loadConf, parseMode } from './config';

const macvlan: Plugin = {
  type: 'macvlan',
  configSchema: () => configSchema,

  async add(req) {
    const conf = loadConf(req);
    const ipam = conf.ipam?.type ?? '';
    const mode = parseMode(conf.mode);
    return withContainer(req, async (netns, rb) => {
      const iface = createChildLink({
        kind: 'macvlan',
        master: conf.master,
        linkInContainer: conf.linkInContainer,
        ifname: req.ifname,
        netns,
        rb,
        // Called after the master lookup: a bad MAC is reported after a missing master (upstream's order).
        spec: (name, parent) => ({
          kind: 'macvlan',
          name,
          parent,
          mode,
          netns,
          ...(conf.mtu ? { mtu: conf.mtu } : {}),
          ...(conf.mac ? { mac: macOf(conf.mac) } : {}),
          ...(conf.bcqueuelen ? { bcQueueLen: conf.bcqueuelen } : {}),
        }),
      });
      const result: Result100 = { cniVersion: '1.1.0', interfaces: [iface] };
      if (ipam !== '') {
        const r = await allocateAddresses(ipam, req, rb);
        result.ips = r.ips;
        if (r.routes) result.routes = r.routes;
        withNetns(netns, () => {
          enableAddressNotify(req.ifname);
          configureIface(req.ifname, result, { log: req.log });
        });
      } else {
        withNetns(netns, () => {
          try {
            linkSetUp(req.ifname);
          } catch (err) {
            throw new Error(`failed to set ${JSON.stringify(req.ifname)} UP: ${errText(err)}`, { cause: err });
          }
        });
      }
      if (conf.dns) result.dns = conf.dns;
      return result;
    });
  },

  // The attachment of prevResult must still be there: IPAM agrees, the interface exists in the
  // sandbox as a macvlan of the configured mode with the reported MAC, addresses and routes too.
  async check(req) {
    const conf = loadConf(req);
    const netns = openContainerNetns(req.netns);
    try {
      const ipam = conf.ipam?.type ?? '';
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
        checkInterface(intf, conf.mode);
        validateExpectedInterfaceIPs(req.ifname, result.ips);
        validateExpectedRoute(result.routes);
      });
    } finally {
      netns.close();
    }
  },

  // Nothing but the config's JSON is needed (master and default route may be gone): release the
  // IPAM allocation, then delete the link if the namespace and the link still exist.
  async del(req) {
    const conf = decodeConf(req.config, 'failed to load netConf');
    await delChildLink(req, conf.ipam?.type ?? '');
  },

  // Only the IPAM plugin has something to say (whether the master exists is not checked, as upstream).
  async status(req) {
    const ipam = decodeConf(req.config).ipam?.type ?? '';
    if (ipam !== '') await ipamStatus(ipam, req);
  },
};

export default macvlan;

function macOf(text: string): string {
  try {
    return canonicalMac(text);
  } catch (err) {
    throw new Error(`invalid args ${text} for MAC addr: ${errText(err)}`, { cause: err });
  }
}

function checkInterface(intf: Interface100, mode: string | undefined): void {
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
