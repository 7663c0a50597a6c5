// createMacvlan: the link is made under a random temporary name (a kernel bug can make the
// final name collide with a host link while it is created there) directly inside the
// container namespace, then renamed there to CNI_IFNAME.
import type { Interface100 } from '@cni-ts/cni';
import { linkAdd, linkByName, withNetns, type Netns } from '@cni-ts/netlink';
import { canonicalMac, delLinkIfExists, errText, randomVethName, renameLink, type Rollback } from '@cni-ts/plugin-kit';
import type { LoadedConf } from './load';
import { parseMode } from './mode';

export function createMacvlan(conf: LoadedConf, ifname: string, netns: Netns, rb: Rollback): Interface100 {
  const mode = parseMode(conf.mode);
  const where = <T>(fn: () => T): T => (conf.linkInContainer ? withNetns(netns, fn) : fn());
  let parent: number;
  try {
    parent = where(() => linkByName(conf.master).index);
  } catch (err) {
    throw new Error(`failed to lookup master ${JSON.stringify(conf.master)}: ${errText(err)}`, { cause: err });
  }
  const tmpName = randomVethName();
  let mac: string | undefined;
  if (conf.mac) {
    try {
      mac = canonicalMac(conf.mac);
    } catch (err) {
      throw new Error(`invalid args ${conf.mac} for MAC addr: ${errText(err)}`, { cause: err });
    }
  }
  try {
    where(() =>
      linkAdd({
        kind: 'macvlan',
        name: tmpName,
        parent,
        mode,
        netns,
        ...(conf.mtu ? { mtu: conf.mtu } : {}),
        ...(mac !== undefined && { mac }),
        ...(conf.bcqueuelen ? { bcQueueLen: conf.bcqueuelen } : {}),
      }),
    );
  } catch (err) {
    throw new Error(`failed to create macvlan: ${errText(err)}`, { cause: err });
  }
  return withNetns(netns, () => {
    try {
      renameLink(tmpName, ifname);
    } catch (err) {
      delLinkIfExists(tmpName);
      throw new Error(`failed to rename macvlan to ${JSON.stringify(ifname)}: ${errText(err)}`, { cause: err });
    }
    rb.add(`deleting ${JSON.stringify(ifname)}`, () => withNetns(netns, () => delLinkIfExists(ifname)));
    let link;
    try {
      link = linkByName(ifname);
    } catch (err) {
      throw new Error(`failed to refetch macvlan ${JSON.stringify(ifname)}: ${errText(err)}`, { cause: err });
    }
    return { name: ifname, mac: link.mac ?? '', sandbox: netns.path };
  });
}
