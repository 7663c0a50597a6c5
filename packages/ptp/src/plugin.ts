// The ptp plugin: a veth pair whose container end gets the IPAM addresses but reaches everything,
// its own subnet included, through the host end (a /32 or /128 gateway address there and a host
// route per container address): point to point, routed by the host. ADD reads top-down: config,
// IPAM, forwarding, the veth and the container's addresses and routes, the host end, masquerade,
// DNS, result. Every step registers its undo first: a failure leaves no link, route, rule or
// IPAM reservation behind (upstream releases IPAM but leaks the veth and the rules).
import { ipamCheck, ipamDel, ipamStatus, type CniRequest, type IPConfig100, type Plugin, type Result100 } from '@cni-ts/cni';
import { addrAdd, isExist, linkByName, routeAdd, routeDel, withNetns, type Netns } from '@cni-ts/netlink';
import {
  allocateAddresses,
  configureIface,
  containerInterface,
  delLinkByNameAddr,
  delLinkIfExists,
  enableForwarding,
  errText,
  familyOf,
  isNetnsGone,
  networkOf,
  NoSuchLinkError,
  openContainerNetns,
  prevResultOf,
  setupIPMasqForNetworks,
  setupVeth,
  splitCIDR,
  teardownIPMasqForNetworks,
  validateExpectedInterfaceIPs,
  validateExpectedRoute,
  withRollback,
  type Rollback,
} from '@cni-ts/plugin-kit';
import { configSchema, dnsConfSet, loadConf, type NetConf } from './config';

const BACKENDS = ['iptables', 'nftables'];

const ptp: Plugin = {
  type: 'ptp',
  configSchema: () => configSchema,

  async add(req) {
    const conf = loadConf(req);
    // Checked before anything is made (upstream finds out after the veth exists).
    if (conf.ipMasq && conf.ipMasqBackend !== undefined && !BACKENDS.includes(conf.ipMasqBackend)) {
      throw new Error(`unknown ipmasq backend ${JSON.stringify(conf.ipMasqBackend)}`);
    }
    return withRollback(async (rb) => {
      const ipam = await allocateAddresses(conf.ipam?.type ?? '', req, rb, { interface: 1 });
      const result: Result100 = { ...ipam, cniVersion: '1.1.0' };
      for (const family of new Set(ipam.ips.map((i) => familyOf(i.address)))) {
        try {
          enableForwarding(family);
        } catch (err) {
          throw new Error(`Could not enable IP forwarding: ${errText(err)}`, { cause: err });
        }
      }
      const netns = openContainerNetns(req.netns);
      try {
        const hostName = setupContainerVeth(req, conf, netns, result, rb);
        setupHostVeth(hostName, ipam.ips);
      } finally {
        netns.close();
      }
      if (conf.ipMasq) {
        const target = { ips: ipam.ips.map((i) => i.address), network: conf.name ?? '', ifname: req.ifname, containerId: req.containerId };
        rb.add('removing masquerade rules', () => teardownIPMasqForNetworks(target, req.env));
        setupIPMasqForNetworks(conf.ipMasqBackend, target, req.env);
      }
      if (dnsConfSet(conf.dns)) result.dns = conf.dns!;
      return result;
    }, req.log);
  },

  // IPAM agrees, and the container interface of prevResult is still a veth with its MAC, IPs and routes.
  async check(req) {
    const conf = loadConf(req);
    const netns = openContainerNetns(req.netns);
    try {
      await ipamCheck(conf.ipam?.type ?? '', req);
      if (conf.prevResult === undefined) throw new Error('ptp: Required prevResult missing');
      const result = prevResultOf(conf.prevResult, req.cniVersion)!;
      const intf = containerInterface(result, req.ifname, req.netns);
      if (intf.sandbox !== req.netns) throw new Error(`Sandbox in prevResult ${intf.sandbox ?? ''} doesn't match configured netns: ${req.netns}`);
      withNetns(netns, () => {
        if (intf.name === '') throw new Error(`Container interface name missing in prevResult: ${intf.name}`);
        let link;
        try {
          link = linkByName(intf.name);
        } catch {
          throw new Error(`ptp: Container Interface name in prevResult: ${intf.name} not found`);
        }
        if (!intf.sandbox) throw new Error(`ptp: Error: Container interface ${link.name} should not be in host namespace`);
        if (link.kind !== 'veth') throw new Error(`Error: Container interface ${link.name} not of type veth/p2p`);
        if (intf.mac && intf.mac !== link.mac) throw new Error(`ptp: Interface ${intf.name} Mac ${intf.mac} doesn't match container Mac: ${link.mac ?? ''}`);
        validateExpectedInterfaceIPs(req.ifname, result.ips);
        validateExpectedRoute(result.routes);
      });
    } finally {
      netns.close();
    }
  },

  // Idempotent: IPAM DEL first (its failure is returned, as upstream), then the container link
  // (gone, or the namespace gone, is fine), then the masquerade rules, also with an empty
  // CNI_NETNS (both backends find them without the addresses; upstream leaks them then).
  async del(req) {
    const conf = loadConf(req);
    await ipamDel(conf.ipam?.type ?? '', req);
    const addrs = req.netns === '' ? [] : removeContainerLink(req);
    if (conf.ipMasq) {
      teardownIPMasqForNetworks({ ips: addrs, network: conf.name ?? '', ifname: req.ifname, containerId: req.containerId }, req.env);
    }
  },

  // Only the IPAM plugin has something to say.
  async status(req) {
    const conf = loadConf(req);
    await ipamStatus(conf.ipam?.type ?? '', req);
  },
};

export default ptp;

/**
 * The veth (container end CNI_IFNAME), the IPAM addresses on it, and instead of the kernel's
 * connected route per address: `<gw>/32 dev <if> scope link src <ip>` and `<subnet> via <gw>
 * src <ip>`, so the container reaches even its own subnet through the host. Returns the host
 * end's name; fills the result's interfaces.
 */
function setupContainerVeth(req: CniRequest, conf: NetConf, netns: Netns, result: Result100, rb: Rollback): string {
  const { host, container } = setupVeth({ netns, ifname: req.ifname, mtu: conf.mtu });
  // By path: the handle is closed by the time a rollback runs.
  rb.add(`deleting ${req.ifname} in ${req.netns}`, () => withNetns(req.netns, () => delLinkIfExists(req.ifname)));
  result.interfaces = [
    { name: host.name, mac: host.mac },
    { name: container.name, mac: container.mac, sandbox: req.netns },
  ];
  withNetns(netns, () => {
    configureIface(req.ifname, result, { log: req.log });
    for (const ipc of result.ips ?? []) {
      const { ip, family } = splitCIDR(ipc.address);
      const subnet = networkOf(ipc.address);
      try {
        routeDel({ dst: subnet, oif: container.index });
      } catch (err) {
        throw new Error(`failed to delete route ${subnet} dev ${req.ifname}: ${errText(err)}`, { cause: err });
      }
      const gw = gatewayOf(ipc);
      const bits = family === 4 ? 32 : 128;
      for (const r of [
        { dst: `${gw}/${bits}`, oif: container.index, scope: 'link' as const, src: ip },
        { dst: subnet, oif: container.index, gateway: gw, src: ip },
      ]) {
        try {
          routeAdd(r);
        } catch (err) {
          throw new Error(`failed to add route ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${req.ifname} src ${ip}: ${errText(err)}`, { cause: err });
        }
      }
    }
  });
  return host.name;
}

/** On the host end: each gateway as a /32 (/128) address, a host route to each container address. */
function setupHostVeth(name: string, ips: IPConfig100[]): void {
  let index: number;
  try {
    index = linkByName(name).index;
  } catch (err) {
    throw new Error(`failed to lookup ${JSON.stringify(name)}: ${errText(err)}`, { cause: err });
  }
  for (const ipc of ips) {
    const { ip, family } = splitCIDR(ipc.address);
    const bits = family === 4 ? 32 : 128;
    const gw = `${gatewayOf(ipc)}/${bits}`;
    try {
      addrAdd(index, gw);
    } catch (err) {
      throw new Error(`failed to add IP addr (${gw}) to veth: ${errText(err)}`, { cause: err });
    }
    try {
      routeAdd({ dst: `${ip}/${bits}`, oif: index, scope: 'host' });
    } catch (err) {
      if (!isExist(err)) throw new Error(`failed to add route on host: ${errText(err)}`, { cause: err });
    }
  }
}

/** ptp routes through the IPAM gateway: an address without one cannot be routed. */
function gatewayOf(ipc: IPConfig100): string {
  if (!ipc.gateway) throw new Error(`IPAM result has no gateway for ${ipc.address}: ptp routes the container through it`);
  return ipc.gateway;
}

/** ip.DelLinkByNameAddr in the container: its global addresses, [] when the link or the namespace is gone. */
function removeContainerLink(req: CniRequest): string[] {
  try {
    return withNetns(req.netns, () => delLinkByNameAddr(req.ifname));
  } catch (err) {
    if (err instanceof NoSuchLinkError) return [];
    // The runtime may call DEL again after the namespace is gone (kubernetes#43014).
    if (isNetnsGone(err)) return [];
    throw err;
  }
}
