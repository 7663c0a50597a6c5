// Every file the node components write goes through a temp file in the destination directory,
// fsync and rename: a reader (the runtime, kubelet, a CNI exec) sees the old or the new file,
// never a partial one, and a running binary is replaced without "text file busy".
import { closeSync, copyFileSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

const tempName = (dest: string) => path.join(path.dirname(dest), `.${path.basename(dest)}.${process.pid}.${Date.now().toString(36)}.tmp`);

export function writeFileAtomic(dest: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = tempName(dest);
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fchmodSync(fd, mode);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, dest);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new Error(`failed to write ${dest}: ${(err as Error).message}`, { cause: err });
  }
}

/** Copies a binary into a bin dir: temp copy, chmod 0755, fsync, rename over the old one. */
export function installFileAtomic(src: string, dest: string, mode = 0o755): void {
  const tmp = tempName(dest);
  try {
    copyFileSync(src, tmp);
    const fd = openSync(tmp, 'r+');
    try {
      fchmodSync(fd, mode);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, dest);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new Error(`failed to install ${src} as ${dest}: ${(err as Error).message}`, { cause: err });
  }
}
