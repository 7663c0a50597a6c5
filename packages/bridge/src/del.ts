// DEL: idempotent. Deletes the container veth (collecting its addresses), releases the IPAM
// lease, removes spoof-check and masquerade rules. Upstream skips the firewall teardown when
// CNI_NETNS is empty or the namespace is gone (containerd's RemovePodSandbox), which leaks the
// NAT chain (CP#810); we tear the rules down in every case: both backends find them without
// the addresses (iptables by the chain name, nftables by the comment hash).
import { ipamDel, type CniRequest } from '@cni-ts/cni';
import { withNetns } from '@cni-ts/netlink';
import { delLinkByNameAddr, isNetnsGone, NoSuchLinkError, teardownIPMasqForNetworks } from '@cni-ts/plugin-kit';
import { loadNetConf, type BridgeConf } from './config';
import { SpoofChecker } from './spoofcheck';

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

export async function cmdDel(req: CniRequest): Promise<void> {
  const n = loadNetConf(req.config, req.args.raw);
  const addrs = req.netns === '' ? [] : removeContainerLink(req).addrs;
  // After the link is gone, as upstream: the address is not reused while still configured.
  if (n.ipamType !== '') await ipamDel(n.ipamType, req);
  teardownFirewall(req, n, addrs);
}
