// The loopback plugin: sets lo up in the container (whatever CNI_IFNAME says) and reports its
// loopback addresses; DEL sets it down.
import { canonicalCIDR, isLoopbackIP, parseIP, type Plugin, type Result100 } from '@cni-ts/cni';
import { addrList, linkByName, linkSetDown, linkSetUp, NetnsNotExistError, withNetns, type Addr } from '@cni-ts/netlink';
import { configSchema, loadConf } from './config';

const IFNAME = 'lo';

const loopback: Plugin = {
  type: 'loopback',
  configSchema: () => configSchema,

  // Sets lo up and reports its first IPv4 and IPv6 address, after checking every address on lo
  // is a loopback one. A prevResult is passed through unchanged.
  add(req) {
    const conf = loadConf(req);
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
  },

  // lo must be up. The config is not read (as in the reference).
  check(req) {
    withNetns(req.netns, () => {
      if (!linkByName(IFNAME).up) throw new Error('loopback interface is down');
    });
  },

  // Without a netns, or when the netns is already gone, there is nothing to undo (runtimes may
  // call DEL repeatedly, or after the namespace was removed).
  del(req) {
    if (req.netns === '') return;
    try {
      withNetns(req.netns, () => linkSetDown(linkByName(IFNAME)));
    } catch (err) {
      if (err instanceof NetnsNotExistError) return;
      throw err;
    }
  },
};

export default loopback;

function firstLoopback(addrs: Addr[]): string | undefined {
  for (const a of addrs) {
    const ip = parseIP(a.ip);
    if (!ip || !isLoopbackIP(ip)) throw new Error(`loopback interface found with non-loopback address "${a.ip}"`);
  }
  return addrs[0] && (canonicalCIDR(addrs[0].cidr) ?? addrs[0].cidr);
}
