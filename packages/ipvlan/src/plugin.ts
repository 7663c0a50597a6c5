// The ipvlan plugin: an ipvlan interface on a host link (the master), created in the container.
// ADD: config, the link (made under a temporary name in the container, then renamed), the
// addresses from IPAM (or, chained without IPAM, from prevResult), result. Any failure rolls
// everything back (upstream leaves the link in the container when IPAM or ConfigureIface fails).
import { ipamCheck, ipamStatus, type Interface100, type Plugin, type Result100 } from '@cni-ts/cni';
import { linkByName, withNetns } from '@cni-ts/netlink';
import {
  allocateAddresses,
  checkContainerMac,
  configureIface,
  containerInterface,
  containerLink,
  createChildLink,
  delChildLink,
  enableAddressNotify,
  errText,
  inMasterNetns,
  openContainerNetns,
  validateExpectedInterfaceIPs,
  validateExpectedRoute,
  withContainer,
} from '@cni-ts/plugin-kit';
import { configSchema, decodeConf, loadConf, parseFlag, parseMode, type LoadedConf } from './config';

const ipvlan: Plugin = {
  type: 'ipvlan',
  configSchema: () => configSchema,

  async add(req) {
    const conf = loadConf(req);
    const ipam = conf.ipam?.type ?? '';
    const mode = parseMode(conf.mode);
    const flag = parseFlag(conf.flag);
    return withContainer(req, async (netns, rb) => {
      const iface = createChildLink({
        kind: 'ipvlan',
        master: conf.master,
        linkInContainer: conf.linkInContainer,
        ifname: req.ifname,
        netns,
        rb,
        spec: (name, parent) => ({ kind: 'ipvlan', name, parent, mode, flag, netns, ...(conf.mtu ? { mtu: conf.mtu } : {}) }),
      });
      let result: Result100;
      if (ipam === '' && conf.prev?.ips?.length) {
        result = { ...conf.prev, cniVersion: '1.1.0' };
      } else {
        result = { ...(await allocateAddresses(ipam, req, rb)), cniVersion: '1.1.0' };
      }
      result.ips = result.ips!.map((ip) => ({ ...ip, interface: 0 }));
      result.interfaces = [iface];
      withNetns(netns, () => {
        enableAddressNotify(req.ifname);
        configureIface(req.ifname, result, { log: req.log });
      });
      // Upstream: the config's dns, even when chained (prevResult's dns is dropped).
      if (conf.dns) result.dns = conf.dns;
      else delete result.dns;
      return result;
    });
  },

  // The attachment of prevResult must still be there (texts capitalised as upstream's). Unlike
  // upstream, a config without `master` can pass: the default-route interface is checked when
  // there is one (upstream looks up master "" and always fails).
  async check(req) {
    const conf = loadConf(req, { check: true });
    const netns = openContainerNetns(req.netns);
    try {
      const ipam = conf.ipam?.type ?? '';
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
        checkInterface(intf, conf);
        validateExpectedInterfaceIPs(req.ifname, result.ips);
        validateExpectedRoute(result.routes);
      });
    } finally {
      netns.close();
    }
  },

  // Only the config's JSON is needed. Upstream resolves the master first and so fails when the
  // master is gone or the host has no default route; here the IPAM allocation is released and
  // the link deleted regardless, each step reporting its own failure.
  async del(req) {
    await delChildLink(req, decodeConf(req.config).ipam?.type ?? '');
  },

  // Only the IPAM plugin has something to say (whether the master exists is not checked, as upstream).
  async status(req) {
    const ipam = decodeConf(req.config).ipam?.type ?? '';
    if (ipam !== '') await ipamStatus(ipam, req);
  },
};

export default ipvlan;

function checkInterface(intf: Interface100, conf: LoadedConf): void {
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
