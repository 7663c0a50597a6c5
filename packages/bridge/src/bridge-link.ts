// The bridge itself (host namespace): create or reuse it, put gateway addresses on it (or on
// the `<bridge>.<vlan>` gateway veth), pin its MAC. Synchronous netlink calls on the current
// namespace; error texts are upstream's.
import { addrAdd, addrDel, addrList, isExist, linkAdd, linkByName, linkSetHardwareAddr, linkSetPromisc, linkSetUp, LinkNotFoundError, type Link } from '@cni-ts/netlink';
import { disableAcceptRa, errText, setupVeth } from '@cni-ts/plugin-kit';
import { addrNetContains, canonicalCIDR, parseAddr, parseAddrNet } from '@cni-ts/cni';
import { setupPort } from './port';

const q = (s: string) => JSON.stringify(s);
const ZERO_MAC = '00:00:00:00:00:00';

/** The bridge `name`, or an error if the name is taken by something else. */
export function bridgeByName(name: string): Link {
  let l: Link;
  try {
    l = linkByName(name);
  } catch (err) {
    throw new Error(`could not lookup ${q(name)}: ${errText(err)}`, { cause: err });
  }
  if (l.kind !== 'bridge') throw new Error(`${q(name)} already exists but is not a bridge`);
  return l;
}

export interface BridgeOptions {
  name: string;
  mtu: number;
  promisc: boolean;
  /** only applies when the bridge is created now. */
  vlanFiltering: boolean;
}

/**
 * ensureBridge: creates the bridge (an existing one is reused as it is: its MTU and VLAN
 * filtering are not changed), turns promiscuous mode on if asked, accept_ra=0, up.
 */
export function ensureBridge(o: BridgeOptions): Link {
  try {
    try {
      linkAdd({
        kind: 'bridge',
        name: o.name,
        ...(o.mtu > 0 && { mtu: o.mtu % 2 ** 32 }),
        ...(o.vlanFiltering && { vlanFiltering: true }),
      });
    } catch (err) {
      if (!isExist(err)) throw new Error(`could not add ${q(o.name)}: ${errText(err)}`, { cause: err });
    }
    if (o.promisc) {
      try {
        linkSetPromisc(o.name, true);
      } catch (err) {
        throw new Error(`could not set promiscuous mode on ${q(o.name)}: ${errText(err)}`, { cause: err });
      }
    }
    const br = bridgeByName(o.name);
    // We own the routes of this interface: no router advertisements.
    disableAcceptRa(o.name);
    try {
      linkSetUp(br.index);
    } catch (err) {
      throw new Error(errText(err), { cause: err });
    }
    return br;
  } catch (err) {
    throw new Error(`failed to create bridge ${q(o.name)}: ${(err as Error).message}`, { cause: err });
  }
}

function contains(cidr: string, ip: string): boolean {
  const n = parseAddrNet(cidr);
  const a = parseAddr(ip);
  return !!n && !!a && addrNetContains(n, a);
}

/**
 * ensureAddr: puts `gw` (`10.1.2.1/24`) on `link`. The same address already there is fine; any
 * other IPv4 address, or an overlapping IPv6 one, is replaced with `force` and an error without.
 * Then the link's MAC is set to itself, so a bridge stops taking the lowest MAC of its ports.
 */
export function ensureAddr(link: Link, family: 4 | 6, gw: string, force: boolean): void {
  let addrs;
  try {
    addrs = addrList(link.index, family);
  } catch (err) {
    throw new Error(`could not get list of IP addresses: ${errText(err)}`, { cause: err });
  }
  const want = canonicalCIDR(gw);
  if (want === undefined) throw new Error(`invalid CIDR address: ${gw}`);
  const wantIp = want.slice(0, want.indexOf('/'));
  for (const a of addrs) {
    if (canonicalCIDR(a.cidr) === want) return;
    // IPv6: the addresses overlap (net.IPNet.Contains both ways).
    if (family === 4 || contains(a.cidr, wantIp) || contains(want, a.ip)) {
      if (!force) throw new Error(`${q(link.name)} already has an IP address different from ${want}`);
      try {
        addrDel(link.index, a.cidr);
      } catch (err) {
        throw new Error(`could not remove IP address from ${q(link.name)}: ${errText(err)}`, { cause: err });
      }
    }
  }
  try {
    addrAdd(link.index, want);
  } catch (err) {
    if (!isExist(err)) throw new Error(`could not add IP address ${want} to ${q(link.name)}: ${errText(err)}`, { cause: err });
  }
  // A bridge that lost its last port before its MAC was pinned reads 00:00:00:00:00:00, which
  // the kernel refuses (upstream fails here); pin the MAC it has now, taken from its new port.
  let mac = link.mac;
  if (mac === undefined || mac === ZERO_MAC) mac = linkByName(link.name).mac;
  if (mac !== undefined && mac !== ZERO_MAC) {
    try {
      linkSetHardwareAddr(link.index, mac);
    } catch (err) {
      throw new Error(`could not set bridge's mac: ${errText(err)}`, { cause: err });
    }
  }
}

/**
 * ensureVlanInterface: the gateway of a VLAN network lives on a veth pair in the host namespace
 * named `<bridge>.<vlan>`, whose peer is a bridge port carrying that VLAN untagged. Created once
 * and then reused (never deleted, as upstream).
 */
export function ensureVlanInterface(br: Link, vlan: number, preserveDefaultVlan: boolean): Link {
  const name = `${br.name}.${vlan}`;
  try {
    return linkByName(name);
  } catch (err) {
    if (!(err instanceof LinkNotFoundError)) throw new Error(`failed to find interface ${q(name)}: ${errText(err)}`, { cause: err });
  }
  let hostName: string;
  try {
    const pair = setupVeth({ netns: '/proc/thread-self/ns/net', ifname: name, mtu: br.mtu });
    hostName = pair.host.name;
    setupPort({ hostName, bridge: br, hairpin: false, isolated: false, vlan, vlans: [], preserveDefaultVlan });
  } catch (err) {
    throw new Error(`faild to create vlan gateway ${q(name)}: ${(err as Error).message}`, { cause: err });
  }
  let gw: Link;
  try {
    gw = linkByName(name);
  } catch (err) {
    throw new Error(`failed to lookup ${q(name)}: ${errText(err)}`, { cause: err });
  }
  try {
    linkSetUp(gw.index);
  } catch (err) {
    throw new Error(`failed to up ${q(name)}: ${errText(err)}`, { cause: err });
  }
  return gw;
}
