// GC (spec 1.1) by our binary over state the Go plugin wrote: stale reservations go, valid ones,
// lock and last_reserved_ip stay, and the Go plugin keeps working on the directory afterwards.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLeaks, goImpl, type Impl, json, runSync, testEnv, tsImpl } from '@cni-ts/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';

checkLeaks();

let ours: Impl;
const go = goImpl('host-local');
let dir: string;
beforeAll(async () => {
  ours = await tsImpl('host-local');
  dir = mkdtempSync(join(tmpdir(), 'cnits-hl-gc-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('GC releases what Go allocated for attachments that are gone', () => {
  const { container } = testEnv();
  const conf = (v: string) => ({ cniVersion: v, name: 'gcnet', type: 'bridge', ipam: { type: 'host-local', dataDir: dir, ranges: [[{ subnet: '10.63.0.0/24' }], [{ subnet: 'fd00:63::/64' }]] } });
  for (const id of ['a', 'b', 'c']) {
    expect(runSync(go, { command: 'ADD', containerId: id, netns: container.path }, conf('1.0.0')).code).toBe(0);
  }
  const gc = runSync(ours, { command: 'GC' }, {
    ...conf('1.1.0'),
    'cni.dev/valid-attachments': [{ containerID: 'b', ifname: 'eth0' }],
    'cni.dev/attachments': [{ containerID: 'b', ifname: 'eth0' }],
  });
  expect(gc).toMatchObject({ code: 0, stdout: '' });
  expect(readdirSync(join(dir, 'gcnet')).toSorted()).toEqual(['10.63.0.3', 'fd00:63::3', 'last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
  // the round-robin position survives: Go's next ADD continues after .4
  const next = runSync(go, { command: 'ADD', containerId: 'd', netns: container.path }, conf('1.0.0'));
  expect((json(next) as { ips: { address: string }[] }).ips.map((i) => i.address)).toEqual(['10.63.0.5/24', 'fd00:63::5/64']);
  expect(runSync(go, { command: 'DEL', containerId: 'b', netns: container.path }, conf('1.0.0')).code).toBe(0);
  expect(runSync(ours, { command: 'DEL', containerId: 'd', netns: container.path }, conf('1.0.0')).code).toBe(0);
  expect(readdirSync(join(dir, 'gcnet')).toSorted()).toEqual(['last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
});
