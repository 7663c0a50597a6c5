// ADD, in upstream's order: bridge → veth (peer created directly in the host namespace) →
// port options → macspoofchk → IPAM → container addresses and routes → gateways on the bridge
// → forwarding → masquerade → wait for the port → result. Unlike upstream, a failure rolls back
// everything this attachment created (container veth, spoof-check rules, IPAM lease,
// masquerade rules); the bridge and its gateway addresses stay, as they may be shared.
import { setTimeout as sleep } from 'node:timers/promises';
import { ipamAdd, ipamDel, type CniRequest, type Interface100, type Result100 } from '@cni-ts/cni';
import { linkByName, linkSetUp, withNetns, type Link, type Netns } from '@cni-ts/netlink';
import {
  configureIface,
  delLinkIfExists,
  enableAddressNotify,
  enableForwarding,
  errText,
  openContainerNetns,
  Rollback,
  setAcceptDad,
  setupIPMasqForNetworks,
  setupVeth,
  teardownIPMasqForNetworks,
} from '@cni-ts/plugin-kit';
import { bridgeByName, ensureAddr, ensureBridge, ensureVlanInterface } from './bridge-link';
import { loadNetConf, type BridgeConf } from './config';
import { calcGateways } from './gateways';
import { setupPort } from './port';
import { SpoofChecker } from './spoofcheck';

/** Sleeps before each look at the host end's oper-state (upstream's retries, in ms). */
const PORT_STATE_RETRIES = [0, 50, 500, 1000, 1000];

export async function cmdAdd(req: CniRequest): Promise<Result100> {
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
}

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
    const ipam = await ipamAdd(n.ipamType, req);
    rb.add('releasing the IPAM lease', () => ipamDel(n.ipamType, req));
    result.ips = ipam.ips ?? [];
    if (ipam.routes) result.routes = ipam.routes;
    if (ipam.dns) result.dns = ipam.dns;
    if (result.ips.length === 0) throw new Error('IPAM plugin returned missing IP config');
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
