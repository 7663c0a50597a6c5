import { type Addr, formatAddr, parseAddr } from '@cni-ts/cni/ip';
import { type Dirent, closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { fsyncDir } from '@cni-ts/cni/fs';
import { join } from 'node:path';

/** Upstream's default `dataDir`. */
export const DEFAULT_DATA_DIR = '/var/lib/cni/networks';
export const LAST_IP_PREFIX = 'last_reserved_ip.';
export const LOCK_FILE = 'lock';
export const LINE_BREAK = '\r\n';
/** Mode of IP and last_reserved_ip files since upstream v1.4.0 (0644 before). */
export const FILE_MODE = 0o600;
/** go-filemutex creates the lock file with this mode. */
export const LOCK_MODE = 0o750;

// Go's unicode.IsSpace, which strings.TrimSpace uses; JS trim() differs on U+0085 and U+FEFF.
const SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const TRIM = new RegExp(`^${SPACE}+|${SPACE}+$`, 'gu');

export function goTrimSpace(s: string): string {
  return s.replace(TRIM, '');
}

/** What a reservation file holds: `id\r\nifname` (files from before 2017 hold only the id). */
export function reservationKey(id: string, ifname: string): string {
  return goTrimSpace(id) + LINE_BREAK + ifname;
}

/** A file of the data directory, as upstream's recursive walk sees it. */
export interface StoreEntry {
  path: string;
  /** The file's base name: an IP address for reservation files. */
  name: string;
  /** Content with surrounding whitespace trimmed. */
  key: string;
}

/**
 * The disk store of one network: `<dataDir>/<network>/`, one file per reserved IP, named by the
 * address as Go prints it, created exclusively so that existence is the reservation. Every
 * method expects the caller to hold the directory's lock (see `lock.ts`).
 */
export class DiskStore {
  readonly dir: string;

  constructor(network: string, dataDir?: string) {
    this.dir = join(dataDir || DEFAULT_DATA_DIR, network);
  }

  /** Creates the directory (0755, like upstream's MkdirAll). */
  ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o755 });
  }

  get lockPath(): string {
    return join(this.dir, LOCK_FILE);
  }

  /**
   * Reserves `ip` for the attachment; false when another attachment holds it. The file is
   * upstream's (created exclusively, `id\r\nifname`), but unlike upstream it is fsynced, and
   * the directory with it, before the reservation counts: after a crash an address handed to a
   * container is still reserved, never an empty file (plugins#498). On success the address is
   * also recorded as the last one reserved in range set `rangeId` (a hint: not synced).
   */
  reserve(id: string, ifname: string, ip: Addr, rangeId: number): boolean {
    const path = join(this.dir, formatAddr(ip));
    let fd: number;
    try {
      // 'wx+' = O_RDWR|O_CREAT|O_EXCL, as upstream.
      fd = openSync(path, 'wx+', FILE_MODE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      writeSync(fd, reservationKey(id, ifname));
      fsyncSync(fd);
      closeSync(fd);
      fsyncDir(this.dir);
    } catch (err) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      rmSync(path, { force: true });
      throw err;
    }
    writeFileSync(join(this.dir, LAST_IP_PREFIX + rangeId), formatAddr(ip), { mode: FILE_MODE });
    return true;
  }

  /** The address recorded by the last reserve in range set `rangeId`, if it parses. */
  lastReservedIP(rangeId: number): Addr | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.dir, LAST_IP_PREFIX + rangeId), 'utf8');
    } catch {
      return undefined;
    }
    // net.ParseIP of the whole content: a trailing newline makes it unparsable, like upstream.
    return parseAddr(text);
  }

  /** Every regular file below the directory, recursively and in lexical order (Go filepath.Walk). */
  *entries(): Generator<StoreEntry> {
    yield* walk(this.dir);
  }

  /** The files directly in the directory (reservations never live in subdirectories). */
  *topEntries(): Generator<StoreEntry> {
    for (const e of walk(this.dir, false)) yield e;
  }

  /** Removes one entry; false if it was already gone or cannot be removed. */
  remove(e: StoreEntry): boolean {
    try {
      unlinkSync(e.path);
      return true;
    } catch {
      return false;
    }
  }

  /** Addresses held by the attachment (or by a bare-id legacy file of the container). */
  getByID(id: string, ifname: string): Addr[] {
    const match = reservationKey(id, ifname);
    const old = goTrimSpace(id);
    const ips: Addr[] = [];
    for (const e of this.entries()) {
      if (e.key !== match && e.key !== old) continue;
      const ip = parseAddr(e.name);
      if (ip) ips.push(ip);
    }
    return ips;
  }

  /** Whether the attachment (or the container, for legacy files) holds any file. */
  findByID(id: string, ifname: string): boolean {
    const match = reservationKey(id, ifname);
    let found = false;
    for (const e of this.entries()) if (e.key === match) found = true;
    if (found) return true;
    const old = goTrimSpace(id);
    for (const e of this.entries()) if (e.key === old) return true;
    return false;
  }

  /**
   * Deletes every file of the attachment; if there is none, every legacy file holding only the
   * container id. Files that vanish meanwhile are not errors (DEL is idempotent).
   */
  releaseByID(id: string, ifname: string): string[] {
    const released = this.releaseByKey(reservationKey(id, ifname));
    if (released.length > 0) return released;
    return this.releaseByKey(goTrimSpace(id));
  }

  releaseByKey(key: string): string[] {
    const released: string[] = [];
    for (const e of this.entries()) {
      if (e.key !== key) continue;
      try {
        unlinkSync(e.path);
        released.push(e.name);
      } catch {
        // upstream skips files it cannot remove and keeps walking
      }
    }
    return released;
  }
}

function* walk(dir: string, recursive = true): Generator<StoreEntry> {
  let dirents: Dirent[];
  try {
    dirents = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const d of dirents) {
    const path = join(dir, d.name);
    // Like filepath.Walk: descend into real directories, never through symlinks.
    if (d.isDirectory()) {
      if (recursive) yield* walk(path);
      continue;
    }
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch {
      continue;
    }
    yield { path, name: d.name, key: goTrimSpace(data.toString('utf8')) };
  }
}
