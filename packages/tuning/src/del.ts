// DEL: put back the link attributes ADD changed, from the backup file, then remove the file.
// Like upstream, DEL always succeeds once the config parses (sysctls are not restored). Unlike
// upstream, the backup is removed also when there is nothing left to restore it to (the netns
// or the link is gone, the file is unreadable) or a step failed: upstream kept it then, and it
// stayed in /run/cni/tuning for good. Failures are reported on stderr.
import { existsSync } from 'node:fs';
import type { CniRequest } from '@cni-ts/cni';
import { findLink, withNetns } from '@cni-ts/netlink';
import { backupFile, readBackup, removeBackup } from './backup';
import { loadConf } from './config';
import { restoreLink } from './link';

export function cmdDel(req: CniRequest): void {
  const conf = loadConf(req);
  const file = backupFile(conf.dataDir, req.containerId, req.ifname);
  if (!existsSync(file)) return;
  try {
    if (req.netns === '') return;
    const backup = readBackup(file);
    if (!backup) return;
    withNetns(req.netns, () => {
      if (!findLink(req.ifname)) return;
      const errors = restoreLink(req.ifname, backup);
      if (errors.length) req.log(`tuning: ${errors.join('; ')}`);
    });
  } catch (err) {
    req.log(`tuning: not restoring ${file}: ${(err as Error).message}`);
  } finally {
    removeBackup(file);
  }
}
