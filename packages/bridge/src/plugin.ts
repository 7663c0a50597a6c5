// The bridge plugin: a veth pair per container, the host end a port of a Linux bridge (created
// on first use). ADD, in upstream's order: bridge, veth (peer created directly in the host
// namespace), port options, macspoofchk, IPAM, container addresses and routes, gateways on the
// bridge, forwarding, masquerade, wait for the port, result. Unlike upstream, a failure rolls back
// everything this attachment created (container veth, spoof-check rules, IPAM lease, masquerade
// rules); the bridge and its gateway addresses stay, as they may be shared.
import { setTimeout as sleep } from 'node:timers/promises';
import { ipamCheck, ipamDel, ipamStatus, type CniRequest, type Interface100, type Plugin, type Result100 } from '@cni-ts/cni';
import { linkByName, linkSetUp, withNetns, type Link, type Netns } from '@cni-ts/netlink';
import {
  allocateAddresses,
  configureIface,
  containerInterface,
  delLinkByNameAddr,
  delLinkIfExists,
  enableAddressNotify,
  enableForwarding,
  errText,
  isNetnsGone,
  NoSuchLinkError,
  openContainerNetns,
  prevResultOf,
  Rollback,
  setAcceptDad,
  setupIPMasqForNetworks,
  setupVeth,
  teardownIPMasqForNetworks,
  validateExpectedInterfaceIPs,
  validateExpectedRoute,
  vethPeerIndex,
} from '@cni-ts/plugin-kit';
import { bridgeByName, ensureAddr, ensureBridge, ensureVlanInterface } from './bridge-link';
import { configSchema, decodeConf, loadNetConf, type BridgeConf } from './config';
import { calcGateways } from './gateways';
import { setupPort } from './port';
import { SpoofChecker } from './spoofcheck';

/** Sleeps before each look at the host end's oper-state (upstream's retries, in ms). */
const PORT_STATE_RETRIES = [0, 50, 500, 1000, 1000];

const bridge: Plugin = {
  type: 'bridge',
  configSchema: () => configSchema,

  async add(req) {
    const n = loadNetConf(req.config, req.args.raw);
    const isLayer3 = n.ipamType !== '';
    if (isLayer3 && n.disableContainerInterface) throw new Error('cannot use IPAM when DisableContainerInterface flag is set');
    if (n.isDefaultGW) n.isGW = true;
    if (n.hairpinMode && n.promiscMode) throw new Error('cannot set hairpin mode and promiscuous mode at the same time');

    const br = ensureBridge({ name: n.brName, mtu: n.mtu, promisc: n.promiscMode, vlanFiltering: n.vlan !== 0 || n.hasVlanTrunk });
    const brInterface: Interface100 = { name: br.name, mac: br.mac ?? '' };

    const netns = openContainerNetns(req.netns);
    const rb = new Rollback();
    try {
      const result = await attach(req, n, br, brInterface, netns, rb);
      rb.commit();
      return result;
    } catch (err) {
      throw await rb.unwind(err, req.log);
    } finally {
      netns.close();
    }
  },

  // IPAM CHECK first (unconditionally, as upstream: a layer-2 config fails with "no plugin name
  // provided"), then the previous result against the kernel: the bridge, the container veth, the
  // host veth that pairs them, the container's addresses and routes.
  async check(req) {
    const n = loadNetConf(req.config, req.args.raw);
    const netns = openContainerNetns(req.netns);
    try {
      await ipamCheck(n.ipamType, req);
      const result = prevResultOf(n.prevResult, req.cniVersion);
      if (!result) throw new Error('Required prevResult missing');

      const brMap = (result.interfaces ?? []).findLast((i) => i.name === n.brName) ?? { name: '' };
      const contMap = containerInterface(result, req.ifname, req.netns);
      const brFound = checkBridge(brMap, n);
      if (req.netns !== (contMap.sandbox ?? '')) {
        throw new Error(`Sandbox in prevResult ${contMap.sandbox ?? ''} doesn't match configured netns: ${req.netns}`);
      }
      const contFound = withNetns(netns, () => checkContainerVeth(contMap));
      let vethFound = none();
      for (const intf of result.interfaces ?? []) {
        if (intf.name === brMap.name || intf.name === contMap.name) continue;
        vethFound = checkHostVeth(intf, brFound, contFound);
        if (vethFound.found) break;
      }
      if (!brFound.found) throw new Error(`CNI created bridge ${n.brName} in host namespace was not found`);
      if (!contFound.found) throw new Error(`CNI created interface in container ${req.ifname} not found`);
      if (!vethFound.found) throw new Error(`CNI veth created for bridge ${n.brName} was not found`);

      withNetns(netns, () => {
        validateExpectedInterfaceIPs(req.ifname, result.ips);
        validateExpectedRoute(result.routes);
      });
    } finally {
      netns.close();
    }
  },

  // Idempotent. Deletes the container veth (collecting its addresses), releases the IPAM lease,
  // removes spoof-check and masquerade rules. Upstream skips the firewall teardown when
  // CNI_NETNS is empty or the namespace is gone (containerd's RemovePodSandbox), which leaks the
  // NAT chain (CP#810); we tear the rules down in every case: both backends find them without
  // the addresses (iptables by the chain name, nftables by the comment hash).
  async del(req) {
    const n = loadNetConf(req.config, req.args.raw);
    const addrs = req.netns === '' ? [] : removeContainerLink(req).addrs;
    // After the link is gone, as upstream: the address is not reused while still configured.
    if (n.ipamType !== '') await ipamDel(n.ipamType, req);
    teardownFirewall(req, n, addrs);
  },

  // The network is ready when its IPAM is (upstream: IPAM STATUS when configured); only the
  // JSON decoding is checked.
  async status(req) {
    const n = decodeConf(req.config);
    if (n.ipam?.type) await ipamStatus(n.ipam.type, req);
  },
};

export default bridge;

async function attach(req: CniRequest, n: BridgeConf, br: Link, brInterface: Interface100, netns: Netns, rb: Rollback): Promise<Result100> {
  const { host, container } = setupVeth({ netns, ifname: req.ifname, mtu: n.mtu, mac: n.mac });
  rb.add(`deleting ${req.ifname} in ${req.netns}`, () => withNetns(netns, () => delLinkIfExists(req.ifname)));
  setupPort({
    hostName: host.name,
    bridge: br,
    hairpin: n.hairpinMode,
    isolated: n.portIsolation,
    vlan: n.vlan,
    vlans: n.vlans,
    preserveDefaultVlan: n.preserveDefaultVlan,
  });
  const hostInterface: Interface100 = { name: host.name, mac: host.mac };
  const result: Result100 = {
    cniVersion: '1.1.0',
    interfaces: [brInterface, hostInterface, { name: container.name, mac: container.mac, sandbox: req.netns }],
  };

  if (n.macSpoofChk) {
    const sc = new SpoofChecker(host.name, container.mac, `${req.containerId}-${req.ifname}`, req.env);
    // Registered before the set-up starts: a set-up that fails half-way (its second nft
    // transaction) leaves no chain behind. The teardown finds only what exists.
    rb.add('removing spoof-check rules', () => sc.teardown());
    sc.setup();
  }

  if (n.ipamType !== '') {
    const ipam = await allocateAddresses(n.ipamType, req, rb, { interface: 2 });
    result.ips = ipam.ips;
    if (ipam.routes) result.routes = ipam.routes;
    if (ipam.dns) result.dns = ipam.dns;
    const gws = calcGateways(result, n.isGW, n.isDefaultGW);

    withNetns(netns, () => {
      setAcceptDad(req.ifname, n.enableDad);
      enableAddressNotify(req.ifname, { ndisc: false });
      configureIface(req.ifname, result, { log: req.log });
    });

    if (n.isGW) {
      let vlanInterface: Interface100 | undefined;
      for (const g of [gws.v4, gws.v6]) {
        for (const gw of g.gws) {
          if (n.vlan !== 0) {
            let vlanIface: Link;
            try {
              vlanIface = ensureVlanInterface(br, n.vlan, n.preserveDefaultVlan);
            } catch (err) {
              throw new Error(`failed to create vlan interface: ${(err as Error).message}`, { cause: err });
            }
            if (!vlanInterface) {
              vlanInterface = { name: vlanIface.name, mac: vlanIface.mac ?? '' };
              result.interfaces!.push(vlanInterface);
            }
            try {
              ensureAddr(vlanIface, g.family, gw, n.forceAddress);
            } catch (err) {
              throw new Error(`failed to set vlan interface for bridge with addr: ${(err as Error).message}`, { cause: err });
            }
          } else {
            try {
              ensureAddr(br, g.family, gw, n.forceAddress);
            } catch (err) {
              throw new Error(`failed to set bridge addr: ${(err as Error).message}`, { cause: err });
            }
          }
        }
        if (g.gws.length > 0) {
          try {
            enableForwarding(g.family);
          } catch (err) {
            throw new Error(`failed to enable forwarding: ${errText(err)}`, { cause: err });
          }
        }
      }
    }

    if (n.ipMasq) {
      const target = { ips: result.ips.map((i) => i.address), network: n.name, ifname: req.ifname, containerId: req.containerId };
      // Before the set-up, for the same reason: the rules of a half-done set-up are removed too.
      rb.add('removing masquerade rules', () => teardownIPMasqForNetworks(target, req.env));
      setupIPMasqForNetworks(n.ipMasqBackend, target, req.env);
    }
  } else if (!n.disableContainerInterface) {
    withNetns(netns, () => {
      let link: Link;
      try {
        link = linkByName(req.ifname);
      } catch (err) {
        throw new Error(`failed to retrieve link: ${errText(err)}`, { cause: err });
      }
      try {
        linkSetUp(link.index);
      } catch (err) {
        throw new Error(`failed to set ${JSON.stringify(req.ifname)} up: ${errText(err)}`, { cause: err });
      }
    });
  }

  let hostVeth = linkByName(host.name);
  if (!n.disableContainerInterface) {
    for (const [i, ms] of PORT_STATE_RETRIES.entries()) {
      await sleep(ms);
      hostVeth = linkByName(host.name);
      if (hostVeth.operState === 'up') break;
      if (i === PORT_STATE_RETRIES.length - 1) throw new Error(`bridge port in error state: ${hostVeth.operState}`);
    }
  }
  // The host end's MAC may change once it is up; the bridge's once it has ports or an address.
  hostInterface.mac = hostVeth.mac ?? '';
  brInterface.mac = bridgeByName(n.brName).mac ?? '';

  if (n.dns.nameservers !== undefined || n.dns.search !== undefined || n.dns.options !== undefined || (n.dns.domain ?? '') !== '') {
    result.dns = n.dns;
  }
  return result;
}

interface Found {
  name: string;
  index: number;
  peerIndex: number;
  masterIndex: number;
  found: boolean;
}

const none = (): Found => ({ name: '', index: 0, peerIndex: 0, masterIndex: 0, found: false });

function lookup(intf: Interface100, expectInSandbox: boolean): Link {
  if (intf.name === '') throw new Error('Interface name missing ');
  let link: Link;
  try {
    link = linkByName(intf.name);
  } catch {
    throw new Error(`Interface name ${intf.name} not found`);
  }
  if (expectInSandbox && !intf.sandbox) throw new Error(`Interface ${intf.name} is expected to be in a sandbox`);
  if (!expectInSandbox && intf.sandbox) throw new Error(`Interface ${intf.name} should not be in sandbox`);
  return link;
}

function checkBridge(intf: Interface100, n: BridgeConf): Found {
  const link = lookup(intf, false);
  if (link.kind !== 'bridge') throw new Error(`Interface ${intf.name} does not have link type of bridge`);
  if (intf.mac && intf.mac !== link.mac) throw new Error(`Bridge interface ${intf.name} Mac doesn't match: ${intf.mac}`);
  if (link.promisc !== n.promiscMode) {
    throw new Error(`Bridge interface ${intf.name} configured Promisc Mode ${n.promiscMode} doesn't match current state: ${link.promisc} `);
  }
  return { name: link.name, index: link.index, peerIndex: 0, masterIndex: link.master ?? 0, found: true };
}

function checkContainerVeth(intf: Interface100): Found {
  const link = lookup(intf, true);
  if (link.kind !== 'veth') throw new Error(`Error: Container interface ${link.name} not of type veth`);
  let peerIndex: number;
  try {
    peerIndex = vethPeerIndex(link.name).peerIndex;
  } catch {
    throw new Error(`Unable to obtain veth peer index for veth ${link.name}`);
  }
  if (intf.mac && intf.mac !== link.mac) throw new Error(`Interface ${intf.name} Mac ${intf.mac} doesn't match container Mac: ${link.mac}`);
  return { name: link.name, index: link.index, peerIndex, masterIndex: 0, found: true };
}

/** A host veth whose peer is the container interface and whose master is the bridge (others are skipped). */
function checkHostVeth(intf: Interface100, br: Found, cont: Found): Found {
  const link = lookup(intf, false);
  if (link.kind !== 'veth') return none();
  let peerIndex: number;
  try {
    peerIndex = vethPeerIndex(link.name).peerIndex;
  } catch {
    throw new Error(`Unable to obtain veth peer index for veth ${link.name}`);
  }
  if (link.index !== cont.peerIndex || cont.index !== peerIndex || (link.master ?? 0) !== br.index) return none();
  if (intf.mac && intf.mac !== link.mac) throw new Error(`Interface ${intf.name} Mac doesn't match: ${intf.mac} not found`);
  return { name: link.name, index: link.index, peerIndex, masterIndex: link.master ?? 0, found: true };
}

/** The container's global unicast addresses, or [] when its interface or namespace is gone. */
function removeContainerLink(req: CniRequest): { addrs: string[]; gone: boolean } {
  try {
    return { addrs: withNetns(req.netns, () => delLinkByNameAddr(req.ifname)), gone: false };
  } catch (err) {
    if (err instanceof NoSuchLinkError) return { addrs: [], gone: false };
    // The runtime may call DEL again after the namespace is gone (kubernetes#43014).
    if (isNetnsGone(err)) return { addrs: [], gone: true };
    throw err;
  }
}

function teardownFirewall(req: CniRequest, n: BridgeConf, addrs: string[]): void {
  if (n.macSpoofChk) {
    try {
      new SpoofChecker('', '', `${req.containerId}-${req.ifname}`, req.env).teardown(req.log);
    } catch (err) {
      req.log((err as Error).message);
    }
  }
  if (n.ipamType !== '' && n.ipMasq) {
    teardownIPMasqForNetworks({ ips: addrs, network: n.name, ifname: req.ifname, containerId: req.containerId }, req.env);
  }
}

