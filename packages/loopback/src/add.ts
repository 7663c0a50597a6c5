import { canonicalCIDR, isLoopbackIP, parseIP, type CniRequest, type Result, type Result100 } from '@cni-ts/cni';
import { addrList, linkByName, linkSetUp, withNetns, type Addr } from '@cni-ts/netlink';
import { parseConf } from './config';

// The plugin only ever works on lo, whatever CNI_IFNAME says.
const IFNAME = 'lo';

function firstLoopback(addrs: Addr[]): string | undefined {
  for (const a of addrs) {
    const ip = parseIP(a.ip);
    if (!ip || !isLoopbackIP(ip)) throw new Error(`loopback interface found with non-loopback address "${a.ip}"`);
  }
  return addrs[0] && (canonicalCIDR(addrs[0].cidr) ?? addrs[0].cidr);
}

/**
 * ADD: sets lo up in the container and reports its first IPv4 and IPv6 address, after
 * checking every address on lo is a loopback one. A prevResult is passed through unchanged.
 */
export function cmdAdd(req: CniRequest): Result {
  const conf = parseConf(req);
  const { v4, v6 } = withNetns(req.netns, () => {
    const link = linkByName(IFNAME);
    linkSetUp(link);
    return { v4: firstLoopback(addrList(link, 4)), v6: firstLoopback(addrList(link, 6)) };
  });
  if (conf.prevResult) return conf.prevResult;
  const result: Result100 = {
    cniVersion: '1.1.0',
    interfaces: [{ name: IFNAME, mac: '00:00:00:00:00:00', sandbox: req.netns }],
  };
  const ips = [v4, v6].filter((a): a is string => a !== undefined).map((address) => ({ interface: 0, address }));
  if (ips.length) result.ips = ips;
  return result;
}
