// createIpvlan: made under a random temporary name directly inside the container namespace,
// then renamed there to CNI_IFNAME.
import type { Interface100 } from '@cni-ts/cni';
import { linkAdd, linkByName, withNetns, type Netns } from '@cni-ts/netlink';
import { delLinkIfExists, errText, randomVethName, renameLink, type Rollback } from '@cni-ts/plugin-kit';
import type { LoadedConf } from './load';
import { parseFlag, parseMode } from './mode';

export function createIpvlan(conf: LoadedConf, ifname: string, netns: Netns, rb: Rollback): Interface100 {
  const mode = parseMode(conf.mode);
  const flag = parseFlag(conf.flag);
  const where = <T>(fn: () => T): T => (conf.linkInContainer ? withNetns(netns, fn) : fn());
  let parent: number;
  try {
    parent = where(() => linkByName(conf.master).index);
  } catch (err) {
    throw new Error(`failed to lookup master ${JSON.stringify(conf.master)}: ${errText(err)}`, { cause: err });
  }
  const tmpName = randomVethName();
  try {
    where(() => linkAdd({ kind: 'ipvlan', name: tmpName, parent, mode, flag, netns, ...(conf.mtu ? { mtu: conf.mtu } : {}) }));
  } catch (err) {
    throw new Error(`failed to create ipvlan: ${errText(err)}`, { cause: err });
  }
  return withNetns(netns, () => {
    try {
      renameLink(tmpName, ifname);
    } catch (err) {
      // Upstream leaves the temporary link behind here.
      delLinkIfExists(tmpName);
      throw new Error(`failed to rename ipvlan to ${JSON.stringify(ifname)}: ${errText(err)}`, { cause: err });
    }
    rb.add(`deleting ${JSON.stringify(ifname)}`, () => withNetns(netns, () => delLinkIfExists(ifname)));
    let link;
    try {
      link = linkByName(ifname);
    } catch (err) {
      throw new Error(`failed to refetch ipvlan ${JSON.stringify(ifname)}: ${errText(err)}`, { cause: err });
    }
    return { name: ifname, mac: link.mac ?? '', sandbox: netns.path };
  });
}
