// Throwaway network namespaces for bench cases, named like testkit's (`cnits-<pid>-...`) so its
// reaper removes them if a run is killed before cleanup.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

let counter = 0;
const created = new Set();

const ip = (...args) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** Creates a namespace with lo up; returns {name, path}. */
export function createNetns(tag) {
  const name = `cnits-${process.pid}-bench${++counter}-${tag}`;
  ip('netns', 'add', name);
  created.add(name);
  ip('-n', name, 'link', 'set', 'lo', 'up');
  return { name, path: `/run/netns/${name}` };
}

/** Runs `ip -n <ns> ...` (set-up only; never on the host's own namespace). */
export const ipIn = (ns, ...args) => ip('-n', ns.name, ...args);

export function deleteNetns(ns) {
  if (existsSync(ns.path)) ip('netns', 'delete', ns.name);
  created.delete(ns.name);
}

/** Deletes whatever this process created and has not deleted yet (exit and signal paths). */
export function deleteAll() {
  for (const name of created) {
    try {
      ip('netns', 'delete', name);
    } catch {
      // already gone
    }
  }
  created.clear();
}
