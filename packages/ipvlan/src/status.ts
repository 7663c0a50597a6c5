// STATUS: only the IPAM plugin has something to say (whether the master exists is not checked, as upstream).
import { ipamStatus, type CniRequest } from '@cni-ts/cni';
import { decodeNetConf, ipamType } from './config';

export async function cmdStatus(req: CniRequest): Promise<void> {
  const conf = decodeNetConf(req.config);
  const ipam = ipamType(conf);
  if (ipam !== '') await ipamStatus(ipam, req);
}
