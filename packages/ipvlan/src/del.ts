// DEL: only the config's JSON is needed. Upstream resolves the master first and so fails when
// the master is gone or the host has no default route; here the IPAM allocation is released
// and the link deleted regardless, each step reporting its own failure.
import { ipamDel, type CniRequest } from '@cni-ts/cni';
import { withNetns } from '@cni-ts/netlink';
import { delLinkIfExists, ErrorCollector, isNetnsGone } from '@cni-ts/plugin-kit';
import { decodeNetConf, ipamType } from './config';

export async function cmdDel(req: CniRequest): Promise<void> {
  const conf = decodeNetConf(req.config);
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
