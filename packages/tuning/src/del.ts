// DEL: put back what ADD changed, from the backup file, then remove the file. The link
// attributes are restored as upstream (MTU, MAC, promisc, allmulti, txQLen); cni-ts also puts
// back the sysctls ADD wrote, unless their value changed since (another writer owns it now).
// Like upstream, DEL always succeeds once the config parses. Unlike upstream, the backup is
// removed also when there is nothing left to restore it to (the netns or the link is gone, the
// file is unreadable) or a step failed: upstream kept it then, in /run/cni/tuning for good.
// Failures are reported on stderr.
import { existsSync } from 'node:fs';
import type { CniRequest } from '@cni-ts/cni';
import { findLink, withNetns } from '@cni-ts/netlink';
import { type Backup, backupFile, readBackup, removeBackup } from './backup';
import { loadConf, type TuningConf } from './config';
import { readSysctl, writeSysctl } from './_fs';
import { restoreLink } from './link';
import { sysctlFile } from './sysctl';

const blanks = (s: string) => s.trim().replace(/\s+/g, ' ');

/** file -> the value this config writes there (keys that do not resolve are skipped). */
function configured(conf: TuningConf, ifname: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of conf.sysctl) {
    try {
      out.set(sysctlFile(k, ifname), v);
    } catch {
      // ADD refused it; nothing of it to restore
    }
  }
  return out;
}

function restoreSysctls(b: Backup, want: Map<string, string>, log: (m: string) => void): void {
  for (const [file, original] of Object.entries(b.sysctl ?? {}).toReversed()) {
    // only files under /proc/sys/net, written by ADD (the record is ours, but check anyway)
    if (!file.startsWith('/proc/sys/net/') || file.split('/').includes('..')) continue;
    try {
      const value = want.get(file);
      if (value !== undefined && blanks(readSysctl(file)) !== blanks(value)) continue;
      writeSysctl(file, original);
    } catch (err) {
      // ENOENT: an interface's sysctl, gone with the interface
      if (((err as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') continue;
      log(`tuning: failed to restore ${file}: ${(err as Error).message}`);
    }
  }
}

export function cmdDel(req: CniRequest): void {
  const conf = loadConf(req);
  const file = backupFile(conf.dataDir, req.containerId, req.ifname);
  if (!existsSync(file)) return;
  try {
    if (req.netns === '') return;
    const backup = readBackup(file);
    if (!backup) return;
    withNetns(req.netns, () => {
      if (findLink(req.ifname)) {
        const errors = restoreLink(req.ifname, backup);
        if (errors.length) req.log(`tuning: ${errors.join('; ')}`);
      }
      restoreSysctls(backup, configured(conf, req.ifname), req.log);
    });
  } catch (err) {
    req.log(`tuning: not restoring ${file}: ${(err as Error).message}`);
  } finally {
    removeBackup(file);
  }
}
