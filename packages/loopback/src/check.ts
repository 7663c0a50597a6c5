import type { CniRequest } from '@cni-ts/cni';
import { linkByName, withNetns } from '@cni-ts/netlink';

/** CHECK: lo must be up. The config is not read (as in the reference). */
export function cmdCheck(req: CniRequest): void {
  withNetns(req.netns, () => {
    if (!linkByName('lo').up) throw new Error('loopback interface is down');
  });
}
