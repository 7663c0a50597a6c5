// Synchronous stdin/stdout for the binary entry: the whole invocation is one read and one
// write, and a non-blocking descriptor inherited from a parent must not lose data.
import { readSync, writeSync } from 'node:fs';
import { sleepSync as pause } from '../proc';

const GO_ERRNO: Record<string, string> = {
  EBADF: 'bad file descriptor',
  EISDIR: 'is a directory',
  EIO: 'input/output error',
  EINVAL: 'invalid argument',
  EFAULT: 'bad address',
};


/** io.ReadAll(os.Stdin); errors read like Go's: "read /dev/stdin: bad file descriptor". */
export function readAllStdin(fd = 0): Uint8Array {
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(65536);
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'EAGAIN') {
        pause(1);
        continue;
      }
      if (code === 'EOF') break;
      throw new Error(`read /dev/stdin: ${GO_ERRNO[code] ?? (err as Error).message}`, { cause: err });
    }
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    size += n;
  }
  return Buffer.concat(chunks, size);
}

/** Writes all of `text` to a descriptor, waiting out EAGAIN on non-blocking pipes. */
export function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      pause(1);
    }
  }
}
