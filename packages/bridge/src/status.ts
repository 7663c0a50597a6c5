import { ipamStatus, type CniRequest } from '@cni-ts/cni';
import { decodeNetConf } from './config';

/** STATUS: only the JSON decoding is checked, then IPAM STATUS when IPAM is configured. */
export async function cmdStatus(req: CniRequest): Promise<void> {
  const n = decodeNetConf(req.config);
  if (n.ipam?.type) await ipamStatus(n.ipam.type, req);
}
