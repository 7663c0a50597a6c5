// DEL: nothing but the config's JSON is needed (master and default route may be gone): release
// the IPAM allocation, then delete the link if the namespace and the link still exist. Both
// steps run even when the other fails; every failure is reported.
import { ipamDel, type CniRequest } from '@cni-ts/cni';
import { withNetns } from '@cni-ts/netlink';
import { delLinkIfExists, ErrorCollector, isNetnsGone } from '@cni-ts/plugin-kit';
import { decodeNetConf, ipamType } from './config';

export async function cmdDel(req: CniRequest): Promise<void> {
  const conf = decodeNetConf(req.config, 'failed to load netConf');
  const errors = new ErrorCollector();
  const ipam = ipamType(conf);
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
