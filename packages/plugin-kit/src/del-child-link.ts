// DEL of a link the plugin created in the container (macvlan, ipvlan): nothing but the config's
// JSON is needed (master and default route may be gone). Release the IPAM allocation, then
// delete the link if the namespace and the link still exist. Both steps run even when the
// other fails; every failure is reported.
import { ipamDel, type CniRequest } from '@cni-ts/cni';
import { withNetns } from '@cni-ts/netlink';
import { delLinkIfExists } from './link';
import { isNetnsGone } from './netns';
import { ErrorCollector } from './rollback';

/** `ipam` is the config's ipam.type ("" = nothing to release). */
export async function delChildLink(req: CniRequest, ipam: string): Promise<void> {
  const errors = new ErrorCollector();
  if (ipam !== '') await errors.tryAsync(() => ipamDel(ipam, req));
  if (req.netns !== '') {
    errors.try(() => {
      try {
        withNetns(req.netns, () => delLinkIfExists(req.ifname));
      } catch (err) {
        if (!isNetnsGone(err)) throw err;
      }
    });
  }
  errors.throwIfAny();
}
