import { existsSync, readdirSync } from 'node:fs';
import { must, run } from './_exec';

/** Every namespace a test creates starts with this, followed by the creating pid. */
export const NETNS_PREFIX = 'cnits-';
const NETNS_DIR = '/run/netns';

let counter = 0;

/** A unique name for this process: `cnits-<pid>-<n>-<tag>`. */
export function uniqueName(tag: string): string {
  counter += 1;
  return `${NETNS_PREFIX}${process.pid}-${counter}-${tag}`;
}

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

export function createNetns(name: string): string {
  must('ip', ['netns', 'add', name]);
  // Bring lo up: the reference plugins' tests assume a usable loopback in every namespace.
  must('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return netnsPath(name);
}

/** Deletes a namespace; a missing one is not an error (cleanup must be idempotent). */
export function deleteNetns(name: string): void {
  if (!existsSync(netnsPath(name))) return;
  const r = run('ip', ['netns', 'delete', name]);
  if (r.status !== 0 && existsSync(netnsPath(name))) {
    throw new Error(`failed to delete netns ${name}: ${r.stderr.trim()}`);
  }
}

export function listTestNetns(): string[] {
  if (!existsSync(NETNS_DIR)) return [];
  return readdirSync(NETNS_DIR).filter((n) => n.startsWith(NETNS_PREFIX));
}

/** Whether process `pid` exists (EPERM: it does, owned by someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes namespaces left by earlier runs that were killed before their cleanup ran:
 * any `cnits-<pid>-...` whose pid is no longer alive. Returns the names reaped.
 */
export function reapStaleNetns(): string[] {
  const reaped: string[] = [];
  for (const name of listTestNetns()) {
    const pid = Number(name.slice(NETNS_PREFIX.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid)) {
      deleteNetns(name);
      reaped.push(name);
    }
  }
  return reaped;
}
