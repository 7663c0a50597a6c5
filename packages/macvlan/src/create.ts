// createMacvlan: the link is made under a random temporary name (a kernel bug can make the
// final name collide with a host link while it is created there) directly inside the
// container namespace, then renamed there to CNI_IFNAME.
import type { Interface100 } from '@cni-ts/cni';
import type { Netns } from '@cni-ts/netlink';
import { canonicalMac, createChildLink, errText, type Rollback } from '@cni-ts/plugin-kit';
import type { LoadedConf } from './load';
import { parseMode } from './mode';

export function createMacvlan(conf: LoadedConf, ifname: string, netns: Netns, rb: Rollback): Interface100 {
  const mode = parseMode(conf.mode);
  return createChildLink({
    kind: 'macvlan',
    master: conf.master,
    linkInContainer: conf.linkInContainer,
    ifname,
    netns,
    rb,
    spec: (name, parent) => {
      let mac: string | undefined;
      if (conf.mac) {
        try {
          mac = canonicalMac(conf.mac);
        } catch (err) {
          throw new Error(`invalid args ${conf.mac} for MAC addr: ${errText(err)}`, { cause: err });
        }
      }
      return {
        kind: 'macvlan',
        name,
        parent,
        mode,
        netns,
        ...(conf.mtu ? { mtu: conf.mtu } : {}),
        ...(mac !== undefined && { mac }),
        ...(conf.bcqueuelen ? { bcQueueLen: conf.bcqueuelen } : {}),
      };
    },
  });
}
