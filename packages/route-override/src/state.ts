// What ADD changed, kept for DEL in <dataDir>/<containerID>_<ifname>.json: the routes it added
// (DEL deletes them) and the routes it deleted (DEL adds them back).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from '@cni-ts/cni';
import type { RouteSpec } from '@cni-ts/netlink';

export interface Changes {
  /** the attachment, so GC can tell its records from other networks' and stale from live. */
  network: string;
  containerId: string;
  ifname: string;
  added: RouteSpec[];
  deleted: RouteSpec[];
}

export function stateFile(dataDir: string, containerId: string, ifname: string): string {
  return join(dataDir, `${containerId}_${ifname}.json`);
}

export function readChanges(file: string): Changes | undefined {
  const text = readFileIfExists(file);
  if (text === undefined) return undefined;
  const o = JSON.parse(text) as Partial<Changes>;
  return { network: o.network ?? '', containerId: o.containerId ?? '', ifname: o.ifname ?? '', added: o.added ?? [], deleted: o.deleted ?? [] };
}

const same = (a: RouteSpec, b: RouteSpec) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Records this ADD's changes on top of an earlier record of the same attachment (a repeated
 * ADD): routes deleted first are the originals and stay; nothing is recorded twice.
 */
export function recordChanges(file: string, c: Changes): void {
  const old = readChanges(file);
  const merged: Changes = old
    ? {
        ...c,
        added: [...old.added, ...c.added.filter((s) => !old.added.some((o) => same(o, s)))],
        deleted: [...old.deleted, ...c.deleted.filter((s) => !old.deleted.some((o) => same(o, s)))],
      }
    : c;
  try {
    writeFileAtomic(file, `${JSON.stringify(merged, null, 1)}\n`, { mode: 0o600 });
  } catch (err) {
    throw new Error(`failed to save file ${file}: ${(err as Error).message}`, { cause: err });
  }
}

export function removeChanges(file: string): void {
  rmSync(file, { force: true });
}
