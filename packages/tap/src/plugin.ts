// The tap plugin: a tap device named CNI_IFNAME in the container (for a VM or a userspace
// network stack there), optionally a port of a bridge in the container, with the IPAM plugin's
// addresses (L3) or none (L2, `ipam` without a type). ADD reads top-down: config, the device
// (made under a temporary name, then renamed), IPAM, the addresses, result. Every step registers
// its undo first; a failure rolls all of them back.
import { ipamCheck, ipamStatus, type Interface100, type Plugin, type Result100 } from '@cni-ts/cni';
import { linkByName, linkSetMaster, linkSetUp, sysctlSet, withNetns, type Netns } from '@cni-ts/netlink';
import {
  allocateAddresses,
  configureIface,
  delChildLink,
  delLinkIfExists,
  errText,
  openContainerNetns,
  prevAttachment,
  randomVethName,
  renameLink,
  validateExpectedInterfaceIPs,
  validateExpectedRoute,
  withContainer,
  type Rollback,
} from '@cni-ts/plugin-kit';
import { configSchema, loadConf, type NetConf } from './config';
import { createTapDevice } from './create';

const tap: Plugin = {
  type: 'tap',
  configSchema: () => configSchema,

  async add(req) {
    const conf = loadConf(req);
    const ipam = conf.ipam?.type ?? '';
    return withContainer(req, async (netns, rb) => {
      const iface = createTap(conf, req.ifname, netns, rb);
      const result: Result100 = { cniVersion: '1.1.0', interfaces: [iface] };
      if (ipam !== '') {
        const r = await allocateAddresses(ipam, req, rb);
        result.ips = r.ips;
        if (r.routes) result.routes = r.routes;
        withNetns(netns, () => {
          try {
            sysctlSet(`net/ipv4/conf/${req.ifname}/arp_notify`, '1');
          } catch {
            // upstream ignores it too
          }
          configureIface(req.ifname, result, { log: req.log });
        });
      }
      // The config's dns, never IPAM's (upstream's behaviour).
      if (conf.dns) result.dns = conf.dns;
      return result;
    });
  },

  // IPAM agrees, and the addresses and routes of prevResult are in the sandbox (upstream checks
  // neither the kind nor the MAC of the device).
  async check(req) {
    const conf = loadConf(req);
    const ipam = conf.ipam?.type ?? '';
    const netns = openContainerNetns(req.netns);
    try {
      if (ipam !== '') await ipamCheck(ipam, req);
      const { result } = prevAttachment(conf.prevResult, req, 'Required prevResult missing');
      withNetns(netns, () => {
        validateExpectedInterfaceIPs(req.ifname, result.ips);
        validateExpectedRoute(result.routes);
      });
    } finally {
      netns.close();
    }
  },

  // IPAM DEL (L3), then the device if the namespace and the device are still there.
  async del(req) {
    await delChildLink(req, loadConf(req).ipam?.type ?? '');
  },

  async status(req) {
    const ipam = loadConf(req).ipam?.type ?? '';
    if (ipam !== '') await ipamStatus(ipam, req);
  },
};

export default tap;

/** The device under a temporary name (a host link may have CNI_IFNAME's), renamed, bridged, up. */
function createTap(conf: NetConf, ifname: string, netns: Netns, rb: Rollback): Interface100 {
  const tmpName = randomVethName();
  return withNetns(netns, () => {
    try {
      createTapDevice(tmpName, conf);
    } catch (err) {
      delLinkIfExists(tmpName);
      throw err;
    }
    try {
      renameLink(tmpName, ifname);
    } catch (err) {
      delLinkIfExists(tmpName);
      throw new Error(`failed to rename tap to ${JSON.stringify(ifname)}: ${errText(err)}`, { cause: err });
    }
    rb.add(`deleting ${JSON.stringify(ifname)}`, () => withNetns(netns, () => delLinkIfExists(ifname)));
    let link;
    try {
      link = linkByName(ifname);
    } catch (err) {
      throw new Error(`failed to refetch tap ${JSON.stringify(ifname)}: ${errText(err)}`, { cause: err });
    }
    if (conf.bridge) {
      let bridge;
      try {
        bridge = linkByName(conf.bridge);
      } catch (err) {
        throw new Error(`failed to get bridge ${conf.bridge}: ${errText(err)}`, { cause: err });
      }
      try {
        linkSetMaster(link.index, bridge.index);
      } catch (err) {
        throw new Error(`failed to set tap ${ifname} as a port of bridge ${conf.bridge}: ${errText(err)}`, { cause: err });
      }
    }
    try {
      linkSetUp(link.index);
    } catch (err) {
      throw new Error(`failed to set tap interface up: ${errText(err)}`, { cause: err });
    }
    return { name: ifname, mac: link.mac ?? '', sandbox: netns.path };
  });
}
