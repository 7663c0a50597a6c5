import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SyscallError } from './errors';
import { withNetns, type Netns } from './netns';

const ROOT = '/proc/sys';

/**
 * Turns a sysctl key into its path relative to /proc/sys, as Go's pkg/utils/sysctl and sysctl(8)
 * do: if the first separator is a dot, dots and slashes swap, so `net.ipv4.conf.eth0/100.forwarding`
 * names the interface `eth0.100`; a key whose first separator is a slash is taken as a path.
 */
export function sysctlKeyToPath(key: string): string {
  const first = key.search(/[./]/);
  if (first === -1 || key[first] === '/') return key;
  return key.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}

/** Absolute /proc/sys file of a key. */
export function sysctlPath(key: string): string {
  const rel = sysctlKeyToPath(key);
  const path = join(ROOT, rel);
  if (path !== ROOT && !path.startsWith(`${ROOT}/`)) throw new Error(`invalid sysctl key ${JSON.stringify(key)}`);
  return path;
}

/**
 * Reads a sysctl of the current namespace (or of `ns`), without its trailing newline. /proc/sys/net
 * resolves against the calling thread's namespace, so this is synchronous on purpose.
 */
export function sysctlGet(key: string, ns?: Netns | string): string {
  if (ns !== undefined) return withNetns(ns, () => sysctlGet(key));
  const path = sysctlPath(key);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw wrap(err, 'reading sysctl', path);
  }
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/** Writes a sysctl of the current namespace (or of `ns`). */
export function sysctlSet(key: string, value: string | number, ns?: Netns | string): void {
  if (ns !== undefined) return withNetns(ns, () => sysctlSet(key, value));
  const path = sysctlPath(key);
  try {
    writeFileSync(path, String(value));
  } catch (err) {
    throw wrap(err, 'writing sysctl', path);
  }
}

function wrap(err: unknown, op: string, path: string): Error {
  const errno = (err as NodeJS.ErrnoException).errno;
  return errno === undefined ? (err as Error) : new SyscallError(-errno, op, JSON.stringify(path), { cause: err });
}

/** Writes only when the current value differs; returns true when it wrote (netavark's pattern). */
export function sysctlEnsure(key: string, value: string | number, ns?: Netns | string): boolean {
  if (ns !== undefined) return withNetns(ns, () => sysctlEnsure(key, value));
  if (sysctlGet(key) === String(value)) return false;
  sysctlSet(key, value);
  return true;
}
