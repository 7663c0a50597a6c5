import { openStore } from './add';
import { loadIPAMConfig } from './config';
import { withStoreLock } from './lock';
import type { IpamRequest } from './request';

/** CHECK: the attachment (or, for legacy files, the container) holds at least one address. */
export async function cmdCheck(req: IpamRequest): Promise<void> {
  const conf = loadIPAMConfig(req.config, req.loadArgs);
  const store = openStore(conf);
  const found = await withStoreLock(store.lockPath, () => store.findByID(req.containerId, req.ifname));
  if (!found) throw new Error(`host-local: Failed to find address added by container ${req.containerId}`);
}
