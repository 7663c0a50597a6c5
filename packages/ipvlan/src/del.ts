// DEL: only the config's JSON is needed. Upstream resolves the master first and so fails when
// the master is gone or the host has no default route; here the IPAM allocation is released
// and the link deleted regardless, each step reporting its own failure.
import type { CniRequest } from '@cni-ts/cni';
import { delChildLink } from '@cni-ts/plugin-kit';
import { decodeNetConf, ipamType } from './config';

export async function cmdDel(req: CniRequest): Promise<void> {
  const conf = decodeNetConf(req.config);
  await delChildLink(req, ipamType(conf));
}
