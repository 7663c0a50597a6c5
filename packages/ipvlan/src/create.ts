// createIpvlan: made under a random temporary name directly inside the container namespace,
// then renamed there to CNI_IFNAME.
import type { Interface100 } from '@cni-ts/cni';
import type { Netns } from '@cni-ts/netlink';
import { createChildLink, type Rollback } from '@cni-ts/plugin-kit';
import type { LoadedConf } from './load';
import { parseFlag, parseMode } from './mode';

export function createIpvlan(conf: LoadedConf, ifname: string, netns: Netns, rb: Rollback): Interface100 {
  const mode = parseMode(conf.mode);
  const flag = parseFlag(conf.flag);
  return createChildLink({
    kind: 'ipvlan',
    master: conf.master,
    linkInContainer: conf.linkInContainer,
    ifname,
    netns,
    rb,
    spec: (name, parent) => ({ kind: 'ipvlan', name, parent, mode, flag, netns, ...(conf.mtu ? { mtu: conf.mtu } : {}) }),
  });
}
