// The vlan plugin: an 802.1Q VLAN link on a master, made under a temporary name directly in the
// container (or, with linkInContainer, on a master already there), renamed to CNI_IFNAME, with the
// IPAM plugin's addresses and routes. ADD reads top-down: config, the link, IPAM, the addresses,
// result. Every step registers its undo first; a failure rolls all of them back (upstream leaves
// the VLAN in the container when IPAM or the addresses fail).
import { ipamCheck, ipamStatus, type Interface100, type Plugin, type Result100 } from '@cni-ts/cni';
import { linkByName, withNetns } from '@cni-ts/netlink';
import {
  allocateAddresses,
  configureIface,
  createChildLink,
  delChildLink,
  errText,
  inMasterNetns,
  openContainerNetns,
  prevAttachment,
  validateExpectedInterfaceIPs,
  validateExpectedRoute,
  withContainer,
} from '@cni-ts/plugin-kit';
import { configSchema, decodeConf, loadConf, validateConf } from './config';

const vlan: Plugin = {
  type: 'vlan',
  configSchema: () => configSchema,

  async add(req) {
    const conf = loadConf(req);
    return withContainer(req, async (netns, rb) => {
      const iface = createChildLink({
        kind: 'vlan',
        master: conf.master,
        linkInContainer: conf.linkInContainer,
        ifname: req.ifname,
        netns,
        rb,
        spec: (name, parent) => ({ kind: 'vlan', name, parent, id: conf.vlanId, netns, ...(conf.mtu ? { mtu: conf.mtu } : {}) }),
      });
      // IPAM is not optional: an absent ipam.type fails as upstream's ExecAdd does.
      const r = await allocateAddresses(conf.ipam?.type ?? '', req, rb);
      const result: Result100 = { cniVersion: '1.1.0', interfaces: [iface], ips: r.ips };
      if (r.routes) result.routes = r.routes;
      withNetns(netns, () => configureIface(req.ifname, result, { log: req.log }));
      // The config's dns replaces IPAM's, even when absent (upstream's behaviour).
      if (conf.dns) result.dns = conf.dns;
      return result;
    });
  },

  // IPAM agrees; prevResult's interface is a VLAN in the sandbox with the configured id and MTU,
  // its MAC, addresses and routes; the master exists.
  async check(req) {
    const conf = decodeConf(req);
    const netns = openContainerNetns(req.netns);
    try {
      await ipamCheck(conf.ipam?.type ?? '', req);
      const { result, intf } = prevAttachment(conf.prevResult, req, 'vlan: Required prevResult missing');
      const master = conf.master ?? '';
      try {
        inMasterNetns(conf, req.netns, () => linkByName(master));
      } catch (err) {
        throw new Error(`failed to lookup master ${JSON.stringify(master)}: ${errText(err)}`, { cause: err });
      }
      withNetns(netns, () => {
        checkInterface(intf, conf.vlanId ?? 0, conf.mtu ?? 0);
        validateExpectedInterfaceIPs(req.ifname, result.ips);
        validateExpectedRoute(result.routes);
      });
    } finally {
      netns.close();
    }
  },

  // The config's own checks, but no master lookup (upstream's DEL fails forever once the master
  // is gone); IPAM DEL, then the link if the namespace and the link are still there.
  async del(req) {
    const conf = validateConf(decodeConf(req));
    await delChildLink(req, conf.ipam?.type ?? '');
  },

  async status(req) {
    await ipamStatus(decodeConf(req).ipam?.type ?? '', req);
  },
};

export default vlan;

// Upstream's texts, including the ones copied from tuning ("configured promisc" for the VLAN id).
function checkInterface(intf: Interface100, vlanId: number, mtu: number): void {
  if (intf.name === '') throw new Error(`Container interface name missing in prevResult: ${intf.name}`);
  let link;
  try {
    link = linkByName(intf.name);
  } catch {
    throw new Error(`vlan: Container Interface name in prevResult: ${intf.name} not found`);
  }
  if (!intf.sandbox) throw new Error(`vlan: Error: Container interface ${link.name} should not be in host namespace`);
  if (link.kind !== 'vlan') throw new Error(`Error: Container interface ${link.name} not of type vlan`);
  const id = link.data && 'id' in link.data ? link.data.id : undefined;
  if (intf.mac && intf.mac !== link.mac) {
    throw new Error(`vlan: Interface ${intf.name} Mac ${intf.mac} doesn't match container Mac: ${link.mac ?? ''}`);
  }
  if (vlanId !== id) throw new Error(`Error: Tuning link ${intf.name} configured promisc is ${vlanId}, current value is ${id ?? 0}`);
  if (mtu !== 0 && mtu !== link.mtu) throw new Error(`Error: Tuning configured MTU of ${intf.name} is ${mtu}, current value is ${link.mtu}`);
}
