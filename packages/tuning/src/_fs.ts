// Sysctl file access with Go's error texts (`open /proc/sys/...: no such file or directory`).
// Synchronous on purpose: /proc/sys/net resolves against the calling thread's namespace.
import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import { errnoMessage } from '@cni-ts/netlink';

function goError(op: string, file: string, err: unknown): Error {
  const errno = (err as NodeJS.ErrnoException).errno;
  const text = errno === undefined ? (err as Error).message : errnoMessage(-errno);
  return new Error(`${op} ${file}: ${text}`, { cause: err });
}

/** os.WriteFile(file, value): the value verbatim, no newline added. */
export function writeSysctl(file: string, value: string): void {
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_TRUNC);
  } catch (err) {
    throw goError('open', file, err);
  }
  try {
    writeSync(fd, value);
  } catch (err) {
    throw goError('write', file, err);
  } finally {
    closeSync(fd);
  }
}

/** The file's content without its trailing newline. */
export function readSysctl(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw goError('open', file, err);
  }
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}
