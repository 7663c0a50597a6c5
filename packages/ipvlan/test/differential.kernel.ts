// Differential tests inside user-mode-linux (the host kernel has no ipvlan): the same configs
// through the Go oracle (/usr/lib/cni/ipvlan, v1.1.1, with its host-local) and ours. Results,
// errors and kernel state after every step must agree, modulo what upstream itself changed after
// 1.1.1 (qlen 0 links, no ndisc_notify/keep_addr_on_down) and docs/compat.md.
import { rmSync } from 'node:fs';
import { checkLeaks, must, testEnv, type TestEnv } from '@cni-ts/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerState, dataDir, type DiffStep, goPlugin, type PluginImpl as Impl, ipamFiles, nsState, runDiffSteps, tsPlugin } from '@cni-ts/testkit';

checkLeaks(['/var/lib/cni']);

let ours: Impl;
const go = goPlugin('ipvlan');
const dirs: string[] = [];
beforeAll(async () => {
  // IPAM in-process, as the installed binary runs it: a Node start in the guest costs seconds.
  ours = await tsPlugin('ipvlan', { ipam: 'in-process' });
}, 600_000);
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Conf = (dir: string) => Record<string, unknown>;
type Step = DiffStep;

function state(env: TestEnv) {
  return { container: containerState(env), host: nsState(env.host.name).links.map((l) => l.name) };
}

function runSteps(impl: Impl, steps: Step[], prepare: (env: TestEnv) => void) {
  const env = testEnv();
  must('ip', ['-n', env.host.name, 'link', 'add', 'master0', 'type', 'dummy']);
  must('ip', ['-n', env.host.name, 'link', 'set', 'master0', 'up', 'mtu', '1450']);
  prepare(env);
  const dir = dataDir(`ipv-${impl.name}`);
  dirs.push(dir);
  return { ...runDiffSteps(impl, env, dir, steps, { state }), ipam: ipamFiles(dir, 'ipvnet') };
}

function same(steps: Step[], prepare: (env: TestEnv) => void = () => {}) {
  const g = runSteps(go, steps, prepare);
  const t = runSteps(ours, steps, prepare);
  expect(t.outputs).toEqual(g.outputs);
  expect(t.states).toEqual(g.states);
  expect(t.ipam).toEqual(g.ipam);
}

const base = (extra: Record<string, unknown> = {}): Conf => (dir) => ({
  cniVersion: '1.0.0',
  name: 'ipvnet',
  type: 'ipvlan',
  master: 'master0',
  ipam: { type: 'host-local', dataDir: dir, subnet: '10.88.0.0/24', routes: [{ dst: '0.0.0.0/0' }] },
  ...extra,
});
const ADD = (conf: Conf): Step => ({ call: { command: 'ADD' }, conf });
const DEL = (conf: Conf): Step => ({ call: { command: 'DEL' }, conf });
const CHECK = (conf: Conf): Step => ({ call: { command: 'CHECK' }, conf, prev: true });

// UML runs every syscall through ptrace: a node start is seconds, so allow each case 5 minutes.
describe('ipvlan vs Go oracle (UML)', { timeout: 300_000 }, () => {
  it('l2 with host-local: ADD, CHECK, DEL, DEL again', () => {
    const c = base({ dns: { nameservers: ['10.88.0.53'] } });
    same([ADD(c), CHECK(c), DEL(c), DEL(c)]);
  });

  it.each(['l3', 'l3s'])('mode %s with an MTU', (mode) => {
    const c = base({ mode, mtu: 1400 });
    same([ADD(c), CHECK(c), DEL(c)]);
  });

  it('chained: master and addresses from prevResult', () => {
    const c: Conf = () => ({
      cniVersion: '1.0.0',
      name: 'ipvnet',
      type: 'ipvlan',
      prevResult: { cniVersion: '1.0.0', interfaces: [{ name: 'master0' }], ips: [{ address: '10.88.0.40/24', gateway: '10.88.0.1', interface: 0 }], routes: [{ dst: '10.97.0.0/16' }] },
    });
    same([ADD(c), DEL(c)]);
  });

  it('static IPv4 + IPv6', () => {
    const c: Conf = () => ({
      cniVersion: '1.0.0',
      name: 'ipvnet',
      type: 'ipvlan',
      master: 'master0',
      ipam: { type: 'static', addresses: [{ address: '10.88.0.20/24', gateway: '10.88.0.1' }, { address: 'fd00:88::20/64', gateway: 'fd00:88::1' }], routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }] },
    });
    same([ADD(c), CHECK(c), DEL(c)]);
  });

  it.each([
    ['unknown mode', { mode: 'l4' }],
    ['missing master', { master: 'nope0' }],
    ['MTU above the master', { mtu: 9000 }],
    ['MTU of the wrong type', { mtu: '1400' }],
  ])('bad config: %s', (_n, extra) => {
    same([ADD(base(extra))]);
  });
});

describe('documented differences (docs/compat.md)', { timeout: 300_000 }, () => {
  it('a failure after the link exists (no IPAM and no prevResult): the oracle leaves the ipvlan, ours removes it', () => {
    const c = base({ ipam: {} });
    const g = runSteps(go, [ADD(c)], () => {});
    const t = runSteps(ours, [ADD(c)], () => {});
    expect(t.outputs).toEqual(g.outputs);
    expect(t.outputs[0]).toEqual({ exit: 1, code: 999, msg: 'no plugin name provided' });
    const names = (r: typeof g) => (r.states[0] as { container: { links: { name: string }[] } }).container.links.map((l) => l.name);
    expect(names(g)).toEqual(['eth0']);
    expect(names(t)).toEqual([]);
  });
});
