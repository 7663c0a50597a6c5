// The tuning meta plugin (containernetworking/plugins plugins/meta/tuning): sysctls and link
// attributes of the container interface. ADD backs up what will change (link attributes as
// upstream; sysctls too, a cni-ts addition) in <dataDir>/<container>_<ifname>.json (backup.ts),
// writes the sysctls, changes the link attributes and passes prevResult on (with the new MAC); a
// failure part-way puts back everything this call changed before it returns. DEL restores.
import { existsSync } from 'node:fs';
import { type CniRequest, type Plugin, type Result, toCurrentResult } from '@cni-ts/cni';
import { findLink, parseMAC, withNetns } from '@cni-ts/netlink';
import { checkAllowed, DEFAULT_ALLOWLIST, readAllowlist } from './allowlist';
import { type Backup, backupFile, putBackup, readBackup, removeBackup, snapshot, writeBackup } from './backup';
import { changesLink, checkMac, configSchema, loadConf, requirePrevResult, type TuningConf } from './config';
import { duplicateSysctlKeys } from './duplicates';
import { normalMac, restoreLink, setAllmulti, setMac, setMtu, setPromisc, setTxQLen } from './link';
import { readSysctl, sysctlFile, writeSysctl } from './sysctl';

export interface TuningOptions {
  /** The sysctl allow-list; default /etc/cni/tuning/allowlist.conf (absent = no restriction). */
  allowlistFile: string;
}

/** A tuning plugin; options exist for tests (a private allow-list file). */
export function createTuning(options: Partial<TuningOptions> = {}): Plugin {
  const opts: TuningOptions = { allowlistFile: options.allowlistFile ?? DEFAULT_ALLOWLIST };
  return {
    type: 'tuning',
    configSchema: () => configSchema,

    add(req) {
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
    },

    // The sysctls and link attributes the config asks for are what the container has. Fixed
    // against upstream: MACs compare as addresses (not text), promisc is only checked when the
    // config turns it on (upstream also fails whenever the link is promiscuous and the config
    // does not mention promisc), sysctl values compare with runs of blanks equal (the kernel
    // prints tcp_rmem with tabs), and messages print values instead of Go pointers.
    check(req) {
      noDuplicates(req);
      const conf = loadConf(req);
      toCurrentResult(requirePrevResult(conf));
      const files = conf.sysctl.map(([k, v]) => [sysctlFile(k, req.ifname), v] as const);
      const ifname = req.ifname;
      withNetns(req.netns, () => {
        for (const [file, want] of files) {
          const cur = readSysctl(file);
          if (cur !== want && blanks(cur) !== blanks(want)) {
            throw new Error(`Error: Tuning configured value of ${file} is ${want}, current value is ${cur}`);
          }
        }
        const link = findLink(ifname);
        if (!link) throw new Error(`Cannot find container link ${ifname}`);
        if (conf.mac !== undefined && !sameMac(conf.mac, link.mac)) {
          throw new Error(`Error: Tuning configured Ethernet of ${ifname} is ${conf.mac}, current value is ${link.mac ?? ''}`);
        }
        if (conf.promisc && !link.promisc) {
          throw new Error(`Error: Tuning link ${ifname} configured promisc is true, current value is 0`);
        }
        if (conf.mtu !== 0 && conf.mtu !== link.mtu) {
          throw new Error(`Error: Tuning configured MTU of ${ifname} is ${conf.mtu}, current value is ${link.mtu}`);
        }
        if (conf.allmulti !== undefined && conf.allmulti !== link.allmulti) {
          throw new Error(`Error: Tuning configured all-multicast mode of ${ifname} is ${conf.allmulti}, current value is ${link.allmulti}`);
        }
        if (conf.txQLen !== undefined && conf.txQLen !== link.txqlen) {
          throw new Error(`Error: Tuning configured Transmit Queue Length of ${ifname} is ${conf.txQLen}, current value is ${link.txqlen}`);
        }
      });
    },

    // Puts back what ADD changed, from the backup file, then removes the file. The link
    // attributes are restored as upstream (MTU, MAC, promisc, allmulti, txQLen); cni-ts also puts
    // back the sysctls ADD wrote, unless their value changed since (another writer owns it now).
    // Like upstream, DEL always succeeds once the config parses. Unlike upstream, the backup is
    // removed also when there is nothing left to restore it to (the netns or the link is gone,
    // the file is unreadable) or a step failed: upstream kept it then, in /run/cni/tuning for
    // good. Failures are reported on stderr.
    del(req) {
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
    },
  };
}

export default createTuning();

// The checks ADD runs before it touches anything (upstream's order: duplicate keys, config,
// allow-list, interface name, prevResult). Unlike upstream, every sysctl key and the MAC are
// validated here too, so a bad one no longer leaves earlier sysctls written behind.
function noDuplicates(req: CniRequest): void {
  if (duplicateSysctlKeys(req.stdin).length > 0) throw new Error('duplicated sysctl keys are not allowed');
}

function validIfname(ifname: string): void {
  if (ifname.includes('/')) throw new Error(`Interface name (${ifname}) contains an invalid character /`);
}

interface Prepared {
  conf: TuningConf;
  prevResult: Result;
  /** [key, file, value] of every sysctl to write. */
  sysctls: [string, string, string][];
}

function prepareAdd(req: CniRequest, opts: TuningOptions): Prepared {
  noDuplicates(req);
  const conf = loadConf(req);
  const patterns = readAllowlist(opts.allowlistFile);
  if (patterns) checkAllowed(conf.sysctl.map(([k]) => k), patterns);
  validIfname(req.ifname);
  const prevResult = requirePrevResult(conf);
  const sysctls = conf.sysctl.map(([k, v]): [string, string, string] => [k, sysctlFile(k, req.ifname), v]);
  if (conf.mac !== undefined) checkMac(conf.mac);
  return { conf, prevResult, sysctls };
}

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


function sameMac(a: string, b: string | undefined): boolean {
  if (b === undefined) return false;
  try {
    return parseMAC(a).equals(parseMAC(b));
  } catch {
    return false;
  }
}

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


const blanks = (s: string) => s.trim().replace(/\s+/g, ' ');
