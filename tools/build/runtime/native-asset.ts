// Extracts a native module carried inside the single-executable binary to a root-only cache
// directory and loads it with process.dlopen. dlopen(3) needs a real file, and the SEA can only
// hand us the bytes, so the first run after an install writes the file; later runs find it,
// check it byte for byte against the embedded copy, and load it.
import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** os.tmpdir() without loading node:os (~1.5 ms on a cold start). */
const tmpdir = () => (process.env.TMPDIR || '/tmp').replace(/(.)\/+$/, '$1');

export interface NativeAsset {
  /** file stem, e.g. `koffi-3.3.4`; the cached file is `<stem>-<sha256[0:16]>.node`. */
  stem: string;
  sha256: string;
  bytes: Uint8Array;
}

/**
 * Where the extracted copy may live, best first. /run is a tmpfs that only root can write, so a
 * stale copy never survives a reboot. Beside the binary comes next (its filesystem can execute
 * files, which a noexec /run or /tmp cannot), then a per-user tmp directory.
 */
export function cacheDirs(euid: number, tmp = tmpdir(), exeDir = dirname(process.execPath)): string[] {
  const perUser = join(tmp, `cni-ts-${euid}`);
  return euid === 0 ? ['/run/cni-ts', join(exeDir, '.cni-ts'), perUser] : [perUser];
}

/**
 * Creates `dir` (mode 0700) or accepts an existing one only if it is a real directory owned by
 * us that nobody else can write: a directory planted in a shared /tmp must not decide what we
 * dlopen.
 */
export function ensurePrivateDir(dir: string, euid: number): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== euid || (st.mode & 0o022) !== 0) {
    throw new Error(`refusing cache directory ${dir}: not a directory owned by uid ${euid} and private`);
  }
}

function sameBytes(file: string, bytes: Uint8Array): boolean {
  try {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(readFileSync(file));
  } catch {
    return false;
  }
}

/**
 * Returns the path of a verified copy of `asset` in `dir`, writing it if missing or different.
 * The copy is written under a unique temporary name and renamed into place, so concurrent first
 * runs (kubelet starts many ADDs at once) never load a half-written file.
 */
export function extractTo(dir: string, asset: NativeAsset): string {
  const file = join(dir, `${asset.stem}-${asset.sha256.slice(0, 16)}.node`);
  if (sameBytes(file, asset.bytes)) return file;
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(tmp, asset.bytes, { mode: 0o700, flag: 'wx' });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  if (!sameBytes(file, asset.bytes)) throw new Error(`extracted ${file} does not match the embedded copy`);
  return file;
}

/** process.dlopen as a function returning the addon's exports. */
export function dlopen(file: string): unknown {
  const mod = { exports: {} as unknown };
  process.dlopen(mod, file);
  return mod.exports;
}

/**
 * Extracts `asset` into the first cache directory where that works and the copy loads (a noexec
 * mount refuses dlopen), and returns the addon's exports. Every failure is reported.
 */
export function loadNative(asset: NativeAsset, euid = process.geteuid?.() ?? 0, load = dlopen, dirs = cacheDirs(euid)): unknown {
  const errors: string[] = [];
  for (const dir of dirs) {
    try {
      ensurePrivateDir(dir, euid);
      return load(extractTo(dir, asset));
    } catch (err) {
      errors.push(`${dir}: ${(err as Error).message}`);
    }
  }
  throw new Error(`cannot load native module ${asset.stem}: ${errors.join('; ')}`);
}
