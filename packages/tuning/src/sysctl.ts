// Sysctls: keys of a tuning config -> files under /proc/sys/net, and reading and writing those
// files with Go's error texts. Keys take sysctl(8)'s two forms:
// dotted (`net.ipv4.conf.eth0/100.forwarding`: a slash stands for a dot inside a name) or a
// path (`net/ipv4/conf/eth0.100/forwarding`). `IFNAME` is replaced by CNI_IFNAME after that
// conversion, so dotted interface names (VLANs such as eth0.100) stay one path element.
// Synchronous on purpose: /proc/sys/net resolves against the calling thread's namespace.
import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import { CniError, ErrCode, goQuote } from '@cni-ts/cni';
import { pathError } from '@cni-ts/plugin-kit';

const ROOT = '/proc/sys';

/** sysctl(8): if the first separator is a dot, dots and slashes swap; else it is a path already. */
function keyToPath(key: string): string {
  const first = key.search(/[./]/);
  if (first === -1 || key[first] === '/') return key;
  return key.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}

function invalid(key: string): CniError {
  return new CniError(ErrCode.internal, `invalid net sysctl key: ${goQuote(key)}`, `sysctl.${key}`);
}

/**
 * The file a key names inside the container's /proc/sys. Only files of the network subsystem
 * are allowed, and a key may not climb out of it: no `..` element (upstream cleans the path
 * instead, which lets an allow-listed prefix reach any net sysctl), no NUL byte.
 */
export function sysctlFile(key: string, ifname: string): string {
  const rel = keyToPath(key).replace('IFNAME', ifname);
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  if (key.includes('\0') || parts.includes('..') || parts[0] !== 'net' || parts.length < 2) throw invalid(key);
  return `${ROOT}/${parts.join('/')}`;
}

/** os.WriteFile(file, value): the value verbatim, no newline added. */
export function writeSysctl(file: string, value: string): void {
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_TRUNC);
  } catch (err) {
    throw pathError('open', file, err);
  }
  try {
    writeSync(fd, value);
  } catch (err) {
    throw pathError('write', file, err);
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
    throw pathError('open', file, err);
  }
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}
