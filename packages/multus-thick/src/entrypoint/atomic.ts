// Every file the node components write goes through a temp file in the destination directory,
// fsync and rename: a reader (the runtime, kubelet, a CNI exec) sees the old or the new file,
// never a partial one, and a running binary is replaced without "text file busy".
import { closeSync, copyFileSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

const tempName = (dest: string) => path.join(path.dirname(dest), `.${path.basename(dest)}.${process.pid}.${Date.now().toString(36)}.tmp`);

/** Fills a temp file beside `dest` (through `fill`), sets `mode`, fsyncs it and renames it over `dest`. */
function replaceAtomic(dest: string, mode: number, fill: (tmp: string) => number, what: string): void {
  const tmp = tempName(dest);
  try {
    const fd = fill(tmp);
    try {
      fchmodSync(fd, mode);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, dest);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new Error(`failed to ${what}: ${(err as Error).message}`, { cause: err });
  }
}

export function writeFileAtomic(dest: string, data: string | Uint8Array, mode = 0o600): void {
  replaceAtomic(dest, mode, (tmp) => {
    const fd = openSync(tmp, 'wx', mode);
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    try {
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return fd;
  }, `write ${dest}`);
}

/** Copies a binary into a bin dir: temp copy, chmod 0755, fsync, rename over the old one. */
export function installFileAtomic(src: string, dest: string, mode = 0o755): void {
  replaceAtomic(dest, mode, (tmp) => {
    copyFileSync(src, tmp);
    return openSync(tmp, 'r+');
  }, `install ${src} as ${dest}`);
}
