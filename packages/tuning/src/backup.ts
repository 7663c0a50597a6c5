// The backup of what ADD changes, restored by DEL: upstream's file
// <dataDir>/<containerID>_<ifname>.json, byte for byte for link attributes (json.MarshalIndent
// with one space, keys in configToRestore order, only the attributes being changed). cni-ts adds
// a last key, `sysctl` (file -> original value), which upstream's decoder ignores.
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { goMarshalIndent, readFileIfExists, writeFileAtomic } from '@cni-ts/cni';
import type { Link } from '@cni-ts/netlink';
import type { TuningConf } from './config';

export interface Backup {
  mac?: string;
  promisc?: boolean;
  mtu?: number;
  allmulti?: boolean;
  txQLen?: number;
  /** /proc/sys file -> its value before ADD (cni-ts; upstream never restores sysctls). */
  sysctl?: Record<string, string>;
}

export function backupFile(dataDir: string, containerId: string, ifname: string): string {
  return join(dataDir, `${containerId}_${ifname}.json`);
}

/** The current values of the attributes `conf` is about to change (createBackup). */
export function snapshot(link: Link, conf: TuningConf): Backup {
  const b: Backup = {};
  if (conf.mac !== undefined && link.mac) b.mac = link.mac;
  if (conf.promisc) b.promisc = link.promisc;
  if (conf.mtu !== 0) b.mtu = link.mtu;
  if (conf.allmulti !== undefined) b.allmulti = link.allmulti;
  if (conf.txQLen !== undefined) b.txQLen = link.txqlen;
  return b;
}

/** Go's encoding of configToRestore (omitempty: "" mac and 0 mtu are left out). */
export function encodeBackup(b: Backup): string {
  return goMarshalIndent(
    {
      mac: b.mac || undefined,
      promisc: b.promisc,
      mtu: b.mtu || undefined,
      allmulti: b.allmulti,
      txQLen: b.txQLen,
      sysctl: b.sysctl && Object.keys(b.sysctl).length > 0 ? b.sysctl : undefined,
    },
    ' ',
  );
}

function pick<T>(v: unknown, type: string): T | undefined {
  return typeof v === type ? (v as T) : undefined;
}

/** The backup in `file`: undefined when there is none; throws when it cannot be read or parsed. */
export function readBackup(file: string): Backup | undefined {
  const text = readFileIfExists(file);
  if (text === undefined) return undefined;
  const o = JSON.parse(text) as Record<string, unknown>;
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Error(`${file}: not a JSON object`);
  const b: Backup = {};
  const mac = pick<string>(o.mac, 'string');
  const promisc = pick<boolean>(o.promisc, 'boolean');
  const mtu = pick<number>(o.mtu, 'number');
  const allmulti = pick<boolean>(o.allmulti, 'boolean');
  const txQLen = pick<number>(o.txQLen, 'number');
  if (mac) b.mac = mac;
  if (promisc !== undefined) b.promisc = promisc;
  if (mtu) b.mtu = mtu;
  if (allmulti !== undefined) b.allmulti = allmulti;
  if (txQLen !== undefined) b.txQLen = txQLen;
  const sysctl = o.sysctl;
  if (sysctl && typeof sysctl === 'object' && !Array.isArray(sysctl)) {
    const entries = Object.entries(sysctl).filter((e): e is [string, string] => typeof e[1] === 'string');
    if (entries.length) b.sysctl = Object.fromEntries(entries);
  }
  return b;
}

/**
 * Writes the backup atomically (temporary file, then rename), mode 0600 in a 0700 directory.
 * Values already in an existing backup win: a repeated ADD of the same attachment must not
 * record the values the first ADD set as the "originals".
 */
export function writeBackup(file: string, b: Backup): Backup {
  let merged = b;
  try {
    const old = readBackup(file);
    if (old) merged = { ...b, ...old, ...((b.sysctl || old.sysctl) && { sysctl: { ...b.sysctl, ...old.sysctl } }) };
  } catch {
    // an unreadable old backup is replaced
  }
  putBackup(file, merged);
  return merged;
}

/** Writes exactly `b` (no merging). */
export function putBackup(file: string, b: Backup): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new Error(`failed to create backup directory: ${(err as Error).message}`, { cause: err });
  }
  try {
    writeFileAtomic(file, encodeBackup(b), { mode: 0o600, dirMode: false });
  } catch (err) {
    throw new Error(`failed to save file ${file}: ${(err as Error).message}`, { cause: err });
  }
}

export function removeBackup(file: string): void {
  rmSync(file, { force: true });
}
