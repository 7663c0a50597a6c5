// The dummy plugin: a dummy interface named CNI_IFNAME in the container, with the addresses and
// routes of the IPAM plugin (upstream v1.2.0+). ADD reads top-down: config, the link, IPAM, the
// addresses, result. Every step registers its undo first; a failure rolls all of them back
// (upstream deletes the link too, but ignores a failure to).
import { ipamCheck, ipamStatus, type Interface100, type Plugin, type Result100 } from '@cni-ts/cni';
import { linkAdd, linkByName, withNetns } from '@cni-ts/netlink';
import {
  allocateAddresses,
  checkContainerMac,
  configureIface,
  containerLink,
  delChildLink,
  delLinkIfExists,
  errText,
  openContainerNetns,
  prevAttachment,
  validateExpectedInterfaceIPs,
  withContainer,
} from '@cni-ts/plugin-kit';
import { configSchema, ipamType, loadConf } from './config';

const dummy: Plugin = {
  type: 'dummy',
  configSchema: () => configSchema,

  async add(req) {
    const conf = loadConf(req);
    const ipam = ipamType(conf);
    return withContainer(req, async (netns, rb) => {
      const iface = withNetns(netns, (): Interface100 => {
        try {
          linkAdd({ kind: 'dummy', name: req.ifname });
        } catch (err) {
          throw new Error(`failed to create dummy: ${errText(err)}`, { cause: err });
        }
        rb.add(`deleting ${JSON.stringify(req.ifname)}`, () => withNetns(netns, () => delLinkIfExists(req.ifname)));
        let link;
        try {
          link = linkByName(req.ifname);
        } catch (err) {
          throw new Error(`failed to fetch dummy${JSON.stringify(req.ifname)}: ${errText(err)}`, { cause: err });
        }
        return { name: req.ifname, mac: link.mac ?? '', sandbox: netns.path };
      });
      const r = await allocateAddresses(ipam, req, rb);
      // The IPAM result's routes and DNS stay (unlike vlan and tap, dummy does not put the config's dns in).
      const result: Result100 = { ...r, cniVersion: '1.1.0', interfaces: [iface] };
      withNetns(netns, () => configureIface(req.ifname, result, { log: req.log }));
      return result;
    });
  },

  // IPAM agrees, and prevResult's interface is a dummy in the sandbox, up, with its MAC and addresses.
  async check(req) {
    const conf = loadConf(req);
    const ipam = ipamType(conf);
    const netns = openContainerNetns(req.netns);
    try {
      await ipamCheck(ipam, req);
      const { result, intf } = prevAttachment(conf.prevResult, req, 'dummy: Required prevResult missing');
      withNetns(netns, () => {
        const link = containerLink(intf);
        if (link.kind !== 'dummy') throw new Error(`Error: Container interface ${link.name} not of type dummy`);
        checkContainerMac(intf, link);
        if (!link.up) throw new Error(`Interface ${intf.name} is down`);
        validateExpectedInterfaceIPs(req.ifname, result.ips);
      });
    } finally {
      netns.close();
    }
  },

  // IPAM DEL, then the link if the namespace and the link are still there (both always tried).
  async del(req) {
    await delChildLink(req, loadConf(req).ipam?.type ?? '');
  },

  async status(req) {
    await ipamStatus(loadConf(req, 'failed to load netconf').ipam?.type ?? '', req);
  },
};

export default dummy;
