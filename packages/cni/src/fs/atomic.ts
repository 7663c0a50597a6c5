// The one way state reaches disk: a temporary file in the destination's directory, written,
// fsynced, renamed over the destination, then the directory fsynced. A reader (a runtime, a
// later DEL, the kubelet) sees the old or the new file, never a partial one, also after a
// crash or power loss; a binary is replaced without "text file busy". Used for the libcni
// result cache, Multus's scratch cache, plugin records (tuning, route-override), the node
// entrypoint's files and `pnpm cni install`. Self-contained (node:fs and node:path only), so
// plain Node scripts (tools/install) can import this file directly.
import { closeSync, copyFileSync, fchmodSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** Mode of the file (default 0o600). */
  mode?: number;
  /** Missing parent directories are created with this mode (default 0o700); false: the directory must exist. */
  dirMode?: number | false;
}

/**
 * The temporary name beside `file`: a leading dot (listings of cache directories skip dot
 * files), the pid and a random part (concurrent writers never share one).
 */
export function tempPathFor(file: string): string {
  const rand = Math.random().toString(36).slice(2, 10);
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${rand}.tmp`);
}

/** fsync(2) of a directory, so a rename or create in it survives a crash. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface PlaceOptions {
  /** chmod the temporary file to this mode before the rename (default: leave it). */
  mode?: number;
  /** fsync the temporary file's data before the rename (default true; a hard link has nothing new to sync). */
  syncData?: boolean;
  dirMode?: number | false;
}

/**
 * The general form: `make(tmp)` creates the temporary file (writes, copies or links it), then
 * it is chmodded, fsynced, renamed over `dest`, and the directory is fsynced. On any failure
 * the temporary file is removed and the destination is untouched.
 */
export function placeFileAtomic(dest: string, make: (tmp: string) => void, opts: PlaceOptions = {}): void {
  const dir = path.dirname(dest);
  if (opts.dirMode !== false) mkdirSync(dir, { recursive: true, mode: opts.dirMode ?? 0o700 });
  const tmp = tempPathFor(dest);
  try {
    make(tmp);
    if (opts.mode !== undefined || opts.syncData !== false) {
      const fd = openSync(tmp, 'r');
      try {
        if (opts.mode !== undefined) fchmodSync(fd, opts.mode);
        if (opts.syncData !== false) fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    renameSync(tmp, dest);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dir);
}

/** Writes `data` to `file` atomically and durably (mode 0o600 unless told otherwise). */
export function writeFileAtomic(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const mode = opts.mode ?? 0o600;
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  placeFileAtomic(
    file,
    (tmp) => {
      const fd = openSync(tmp, 'wx', mode);
      try {
        for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
        // The create mode is masked by the umask; the file gets exactly `mode`.
        fchmodSync(fd, mode);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
    { syncData: false, dirMode: opts.dirMode },
  );
}

/** Copies `src` to `dest` atomically (a binary into a bin dir: mode 0o755 unless told otherwise). */
export function installFileAtomic(src: string, dest: string, opts: AtomicWriteOptions = {}): void {
  placeFileAtomic(dest, (tmp) => copyFileSync(src, tmp), { mode: opts.mode ?? 0o755, dirMode: opts.dirMode });
}
