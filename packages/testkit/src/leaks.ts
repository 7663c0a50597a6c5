import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { listTestNetns } from './netns';
import { iptablesSave, links, nftRuleset, routes, rules } from './state';

interface Snapshot {
  links: string[];
  routes4: string;
  routes6: string;
  rules: string;
  nft: string;
  iptables: string;
  files: Record<string, string[]>;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

function snapshot(stateDirs: readonly string[]): Snapshot {
  return {
    links: links(null).map((l) => `${l.ifname}:${l.linkinfo?.info_kind ?? ''}`).sort(),
    routes4: JSON.stringify(routes(null, 4)),
    routes6: JSON.stringify(routes(null, 6)),
    rules: JSON.stringify(rules(null, 4)),
    nft: nftRuleset(null),
    iptables: iptablesSave(null, 4),
    files: Object.fromEntries(stateDirs.map((d) => [d, listFiles(d)])),
  };
}

/**
 * Per-file leak check: snapshots the root namespace (links, routes, rules, nft and iptables
 * rules) and the given state directories before the file's tests, and asserts after them that
 * nothing changed, no state file was added, and no namespace created by this process is left.
 */
export function checkLeaks(stateDirs: readonly string[] = []): void {
  let before: Snapshot;
  beforeAll(() => {
    before = snapshot(stateDirs);
  });
  afterAll(() => {
    const mine = listTestNetns().filter((n) => n.startsWith(`cnits-${process.pid}-`));
    expect(mine, 'namespaces left behind').toEqual([]);
    // State files: only what appeared counts. A file that was there before and is gone now is
    // another test file's (the e2e files run side by side on the same host state directories).
    const after = snapshot(stateDirs);
    const added = (d: string) => after.files[d]!.filter((f) => !before.files[d]!.includes(f));
    expect({ ...after, files: Object.fromEntries(stateDirs.map((d) => [d, added(d)])) }).toEqual({
      ...before,
      files: Object.fromEntries(stateDirs.map((d) => [d, []])),
    });
  });
}
