// DEL: nothing but the config's JSON is needed (master and default route may be gone): release
// the IPAM allocation, then delete the link if the namespace and the link still exist. Both
// steps run even when the other fails; every failure is reported.
import type { CniRequest } from '@cni-ts/cni';
import { delChildLink } from '@cni-ts/plugin-kit';
import { decodeNetConf, ipamType } from './config';

export async function cmdDel(req: CniRequest): Promise<void> {
  const conf = decodeNetConf(req.config, 'failed to load netConf');
  await delChildLink(req, ipamType(conf));
}
