// ip.SetupVeth / SetupVethWithName and ip.GetVethPeerIfindex: a veth pair created inside the
// container namespace with its peer placed directly in the host namespace (IFLA_NET_NS_FD on
// the peer), so the host end never appears in the container and no move is needed.
import { currentNetns, formatMAC, isExist, linkAdd, linkByName, linkDel, linkSetUp, parseMAC, withNetns, type Link, type Netns } from '@cni-ts/netlink';
import { disableAcceptRa } from './sysctls';
import { errText } from './errors';
import { randomVethName } from './link';

/** One end of the pair, as Go's net.Interface reports it. */
export interface VethEnd {
  name: string;
  index: number;
  mac: string;
  mtu: number;
}

export interface SetupVethOptions {
  /** The container namespace, where `ifname` is created. */
  netns: Netns | string;
  /** Name of the container end. */
  ifname: string;
  /** Name of the host end; default a random `veth` + 8 hex digits, retried on collisions. */
  hostName?: string;
  /** MTU of both ends; 0 or less: the kernel default (as vishvananda sends no IFLA_MTU then). */
  mtu?: number;
  /** MAC of the container end ('' or absent: random). */
  mac?: string;
}

const TRIES = 10;

function end(l: Link): VethEnd {
  return { name: l.name, index: l.index, mac: l.mac ?? '', mtu: l.mtu };
}

/**
 * Creates the pair from the host namespace (the calling thread's): the container end `ifname`
 * inside `netns`, the host end in the current namespace, set up with accept_ra=0. Returns both
 * ends (the container one as seen inside the container). Error texts are upstream's:
 * `container veth name ("eth0") peer provided ("vethX") already exists`,
 * `failed to make veth pair: address zz: invalid MAC address`, ...
 */
export function setupVeth(opts: SetupVethOptions): { host: VethEnd; container: VethEnd } {
  const mtu = opts.mtu !== undefined && opts.mtu > 0 ? opts.mtu % 2 ** 32 : undefined;
  let mac: string | undefined;
  if (opts.mac) {
    let bytes: Buffer;
    try {
      bytes = parseMAC(opts.mac);
    } catch (err) {
      throw new Error(`failed to make veth pair: ${errText(err)}`, { cause: err });
    }
    // Go accepts 8- and 20-byte addresses too; the kernel then refuses them for a veth.
    if (bytes.length !== 6) throw new Error('failed to make veth pair: invalid argument');
    mac = formatMAC(bytes);
  }
  const hostNs = currentNetns();
  try {
    let container: VethEnd | undefined;
    let hostName = '';
    for (let i = 0; i < TRIES && !container; i++) {
      hostName = opts.hostName ?? randomVethName();
      container = withNetns(opts.netns, () => {
        try {
          linkAdd({
            kind: 'veth',
            name: opts.ifname,
            ...(mtu !== undefined && { mtu }),
            ...(mac !== undefined && { mac }),
            peer: { name: hostName, netns: hostNs },
          });
        } catch (err) {
          if (!isExist(err)) throw new Error(`failed to make veth pair: ${errText(err)}`, { cause: err });
          return undefined;
        }
        try {
          return end(linkByName(opts.ifname));
        } catch (err) {
          try {
            linkDel(opts.ifname);
          } catch {
            // best effort, as upstream
          }
          throw err;
        }
      });
      if (container) break;
      // EEXIST: a clash of the container name is final; a clash of a random host name is retried.
      const ifnameTaken = withNetns(opts.netns, () => linkExists(opts.ifname));
      if (ifnameTaken || opts.hostName !== undefined || !linkExists(hostName)) {
        throw new Error(`container veth name (${JSON.stringify(opts.ifname)}) peer provided (${JSON.stringify(hostName)}) already exists`);
      }
    }
    if (!container) throw new Error('failed to find a unique veth name');

    let host: Link;
    try {
      host = linkByName(hostName);
    } catch (err) {
      throw new Error(`failed to lookup ${JSON.stringify(hostName)} in ${JSON.stringify(hostNs.path)}: ${errText(err)}`, { cause: err });
    }
    try {
      linkSetUp(host.index);
    } catch (err) {
      throw new Error(`failed to set ${JSON.stringify(hostName)} up: ${errText(err)}`, { cause: err });
    }
    disableAcceptRa(hostName);
    return { host: end(host), container };
  } finally {
    hostNs.close();
  }
}

function linkExists(name: string): boolean {
  try {
    linkByName(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * ip.GetVethPeerIfindex: the veth `ifname` of the current namespace and the index of its peer
 * (valid in the peer's namespace), from IFLA_LINK.
 */
export function vethPeerIndex(ifname: string): { link: Link; peerIndex: number } {
  let link: Link;
  try {
    link = linkByName(ifname);
  } catch (err) {
    throw new Error(`could not look up ${JSON.stringify(ifname)}: ${errText(err)}`, { cause: err });
  }
  if (link.kind !== 'veth') throw new Error(`interface ${JSON.stringify(ifname)} was not a veth interface`);
  const peerIndex = link.parentIndex ?? 0;
  if (peerIndex <= 0) throw new Error("failed to find 'peer_ifindex' in ethtool stats");
  return { link, peerIndex };
}
