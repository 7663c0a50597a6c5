import { openStore } from './add';
import { loadIPAMConfig } from './config';
import { withStoreLock } from './lock';
import type { IpamRequest } from './request';

/**
 * DEL: releases every file of the attachment anywhere in the network's directory, whatever the
 * configured ranges. Like upstream, the release runs once per range set: with several sets the
 * second pass also removes legacy files that hold only the container id. Idempotent.
 */
export async function cmdDel(req: IpamRequest): Promise<void> {
  const conf = loadIPAMConfig(req.config, req.loadArgs);
  const store = openStore(conf);
  await withStoreLock(store.lockPath, () => {
    for (let i = 0; i < conf.ranges.length; i++) store.releaseByID(req.containerId, req.ifname);
  });
}
