// ADD: back up what will change (link attributes as upstream; sysctls too, a cni-ts addition),
// write the sysctls, change the link attributes, pass prevResult on (with the new MAC). A failure part-way puts back everything this call changed before it returns.
import { type CniRequest, type Result, toCurrentResult } from '@cni-ts/cni';
import { findLink, withNetns } from '@cni-ts/netlink';
import { type Backup, backupFile, putBackup, readBackup, removeBackup, snapshot, writeBackup } from './backup';
import { changesLink } from './config';
import { readSysctl, writeSysctl } from './_fs';
import { normalMac, restoreLink, setAllmulti, setMac, setMtu, setPromisc, setTxQLen } from './link';
import { prepareAdd, type TuningOptions } from './validate';

/** Undo steps, run newest first; their failures are logged, the original error is kept. */
class Undo {
  private steps: [string, () => void][] = [];
  push(what: string, fn: () => void): void {
    this.steps.push([what, fn]);
  }
  run(log: (m: string) => void): void {
    for (const [what, fn] of this.steps.toReversed()) {
      try {
        fn();
      } catch (err) {
        log(`tuning: rollback: failed to ${what}: ${(err as Error).message}`);
      }
    }
  }
}

function apply(req: CniRequest, p: ReturnType<typeof prepareAdd>, undo: Undo): void {
  const { conf, sysctls } = p;
  const ifname = req.ifname;
  // Everything is read before anything is written: a missing link fails here, untouched.
  const link = changesLink(conf) ? findLink(ifname) : undefined;
  if (changesLink(conf) && !link) throw new Error(`failed to get ${JSON.stringify(ifname)}: Link not found`);
  const saved: Backup = link ? snapshot(link, conf) : {};
  const originals: Record<string, string> = {};
  for (const [, file] of sysctls) {
    try {
      originals[file] ??= readSysctl(file);
    } catch {
      // write-only or missing: not restorable; a missing one fails the write below
    }
  }
  if (Object.keys(originals).length > 0) saved.sysctl = originals;

  if (link || saved.sysctl) {
    const file = backupFile(conf.dataDir, req.containerId, ifname);
    const previous = readBackupQuiet(file);
    writeBackup(file, saved);
    undo.push(`restore ${file}`, () => (previous ? putBackup(file, previous) : removeBackup(file)));
  }
  for (const [, file, value] of sysctls) {
    const old = originals[file];
    writeSysctl(file, value);
    if (old !== undefined) undo.push(`restore ${file}`, () => writeSysctl(file, old));
  }
  if (!link) return;
  undo.push(`restore the attributes of ${JSON.stringify(ifname)}`, () => {
    const errors = restoreLink(ifname, saved);
    if (errors.length) throw new Error(errors.join('; '));
  });
  if (conf.mac !== undefined) setMac(ifname, conf.mac);
  if (conf.promisc) setPromisc(ifname, true);
  if (conf.mtu !== 0) setMtu(ifname, conf.mtu);
  if (conf.allmulti !== undefined) setAllmulti(ifname, conf.allmulti);
  if (conf.txQLen !== undefined) setTxQLen(ifname, conf.txQLen);
}

function readBackupQuiet(file: string): Backup | undefined {
  try {
    return readBackup(file);
  } catch {
    return undefined;
  }
}

export function cmdAdd(req: CniRequest, opts: TuningOptions): Result {
  const p = prepareAdd(req, opts);
  withNetns(req.netns, () => {
    const undo = new Undo();
    try {
      apply(req, p, undo);
    } catch (err) {
      undo.run(req.log);
      throw err;
    }
  });
  if (p.conf.mac === undefined) return p.prevResult;
  // The result names the MAC as the kernel shows it (upstream echoes the configured text).
  const result = toCurrentResult(p.prevResult);
  const mac = normalMac(p.conf.mac);
  return { ...result, interfaces: result.interfaces?.map((i) => (i.name === req.ifname ? { ...i, mac } : i)) };
}
