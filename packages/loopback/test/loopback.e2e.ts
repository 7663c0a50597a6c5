// loopback ADD/CHECK/DEL against the Go oracle in throwaway namespaces: the same requests
// must leave the same kernel state. Each plugin runs with its own netns switched to the test's
// "host" namespace and acts on its own "container" namespace.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { addrs, checkLeaks, link, must, testEnv, type TestNetns } from '@cni-ts/testkit';
import { createResultFromBytes } from '@cni-ts/cni';
import { runPlugin, sourceCommand, type ProcResult } from '@cni-ts/testkit';

const ORACLE = '/usr/lib/cni/loopback';
const ours = sourceCommand(fileURLToPath(new URL('../src/main.ts', import.meta.url)));
const oracle: [string, string[]] = [ORACLE, []];

interface Setup {
  host: TestNetns;
  mine: TestNetns;
  theirs: TestNetns;
}

function setup(): Setup {
  const env = testEnv();
  const theirs = env.extra('ctrgo');
  // testkit brings lo up; loopback's job is to do that, so start from a down lo.
  for (const ns of [env.container, theirs]) must('ip', ['-n', ns.name, 'link', 'set', 'lo', 'down']);
  return { host: env.host, mine: env.container, theirs };
}

function call(bin: [string, string[]], s: Setup, cmd: string, ns: TestNetns | string, stdin: string, extra: Record<string, string> = {}): ProcResult {
  const netns = typeof ns === 'string' ? ns : ns.path;
  const env = { CNI_COMMAND: cmd, CNI_CONTAINERID: 'ctr1', CNI_NETNS: netns, CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni', ...extra };
  return runPlugin(bin, env, stdin, ['ip', 'netns', 'exec', s.host.name]);
}

/** Both plugins, each on its own container namespace. */
function pair(s: Setup, cmd: string, stdin: string, extra: Record<string, string> = {}) {
  return { ours: call(ours, s, cmd, s.mine, stdin, extra), go: call(oracle, s, cmd, s.theirs, stdin, extra) };
}

/** What loopback can change: lo's flags and its addresses. */
function loState(ns: TestNetns) {
  const l = link(ns.name, 'lo');
  return {
    up: l?.flags.includes('UP'),
    addrs: addrs(ns.name, 'lo').map((a) => `${a.family} ${a.local}/${a.prefixlen} ${a.scope}`),
  };
}

function expectSameState(s: Setup): void {
  expect(loState(s.mine)).toEqual(loState(s.theirs));
}

/** A result for comparison: 1.0 "dns": {} (printed by the oracle's older library) dropped, sandbox named. */
function parsed(stdout: string, sandbox?: string): unknown {
  const r = createResultFromBytes(stdout) as unknown as Record<string, unknown> & { interfaces?: { sandbox?: string }[] };
  if (r.dns && Object.keys(r.dns).length === 0) delete r.dns;
  for (const i of r.interfaces ?? []) if (sandbox && i.sandbox === sandbox) i.sandbox = '<container>';
  return r;
}

const conf = (version: string, extra: Record<string, unknown> = {}) => JSON.stringify({ cniVersion: version, name: 'lo-net', type: 'loopback', ...extra });

describe('loopback vs the Go oracle in namespaces', () => {
  // A missing oracle fails here, loudly: a differential test that cannot run is a failure, not a skip.
  it('the Go oracle is installed', () => expect(existsSync(ORACLE), ORACLE).toBe(true));

  checkLeaks();

  it.each(['0.3.1', '0.4.0', '1.0.0'])('ADD, CHECK, DEL at %s leave the same state', (version) => {
    const s = setup();
    expectSameState(s);

    const add = pair(s, 'ADD', conf(version));
    expect([add.ours.status, add.go.status]).toEqual([0, 0]);
    expectSameState(s);
    expect(loState(s.mine)).toEqual({ up: true, addrs: ['inet 127.0.0.1/8 host', 'inet6 ::1/128 host'] });
    if (version === '1.0.0') {
      // Same result (the oracle's 1.1.2 library prints struct order and "dns": {}).
      expect(parsed(add.ours.stdout, s.mine.path)).toEqual(parsed(add.go.stdout, s.theirs.path));
    }
    expect(createResultFromBytes(add.ours.stdout)).toMatchObject({
      cniVersion: version,
      interfaces: [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: s.mine.path }],
    });

    if (version !== '0.3.1') {
      const check = pair(s, 'CHECK', conf(version));
      expect([check.ours.status, check.go.status]).toEqual([0, 0]);
    }

    const del = pair(s, 'DEL', conf(version));
    expect([del.ours, del.go].map((r) => [r.status, r.stdout])).toEqual([
      [0, ''],
      [0, ''],
    ]);
    expectSameState(s);
    expect(loState(s.mine).up).toBe(false);

    if (version !== '0.3.1') {
      const down = pair(s, 'CHECK', conf(version));
      expect(down.ours).toEqual(down.go);
      expect(JSON.parse(down.ours.stdout)).toEqual({ code: 999, msg: 'loopback interface is down' });
    }

    const again = pair(s, 'DEL', conf(version));
    expect([again.ours.status, again.go.status]).toEqual([0, 0]);
    expectSameState(s);
  });

  it('0.3.1 results: ours adds ips[].version and dns as the spec says (the oracle prints a 1.0 shape)', () => {
    const s = setup();
    const add = pair(s, 'ADD', conf('0.3.1'));
    const mine = JSON.parse(add.ours.stdout);
    const theirs = JSON.parse(add.go.stdout);
    expect(theirs.ips).toEqual([
      { interface: 0, address: '127.0.0.1/8' },
      { interface: 0, address: '::1/128' },
    ]);
    expect(mine.ips).toEqual([
      { version: '4', interface: 0, address: '127.0.0.1/8' },
      { version: '6', interface: 0, address: '::1/128' },
    ]);
    expect(mine.dns).toEqual({});
    expectSameState(s);
  });

  it('0.2.0 results: ours are ip4/ip6 (the oracle prints interfaces/ips that a 0.2.0 runtime drops)', () => {
    const s = setup();
    const add = pair(s, 'ADD', conf('0.2.0'));
    expect(JSON.parse(add.ours.stdout)).toEqual({ cniVersion: '0.2.0', ip4: { ip: '127.0.0.1/8' }, ip6: { ip: '::1/128' }, dns: {} });
    expect(JSON.parse(add.go.stdout)).toMatchObject({ cniVersion: '0.2.0', ips: [{ address: '127.0.0.1/8' }, { address: '::1/128' }] });
    expectSameState(s);
  });

  it('passes a prevResult through unchanged', () => {
    const s = setup();
    const prevResult = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '/x' }], ips: [{ interface: 0, address: '10.1.2.3/24', gateway: '10.1.2.1' }] };
    const add = pair(s, 'ADD', conf('1.0.0', { prevResult }));
    expect([add.ours.status, add.go.status]).toEqual([0, 0]);
    expect(parsed(add.ours.stdout)).toEqual(parsed(add.go.stdout));
    expect(parsed(add.ours.stdout)).toEqual(prevResult);
    expectSameState(s);
  });

  it('refuses a non-loopback address on lo, after setting lo up, like the oracle', () => {
    const s = setup();
    for (const ns of [s.mine, s.theirs]) must('ip', ['-n', ns.name, 'addr', 'add', '10.99.0.1/32', 'dev', 'lo']);
    const add = pair(s, 'ADD', conf('1.0.0'));
    expect(add.ours).toEqual(add.go);
    expect(JSON.parse(add.ours.stdout)).toEqual({ code: 999, msg: 'loopback interface found with non-loopback address "10.99.0.1"' });
    expectSameState(s);
  });

  it('DEL of a namespace that is gone succeeds; ADD and CHECK fail the same way', () => {
    const s = setup();
    const gone = `${s.mine.path}-gone`;
    for (const cmd of ['ADD', 'CHECK', 'DEL']) {
      const a = call(ours, s, cmd, gone, conf('1.0.0'));
      const b = call(oracle, s, cmd, gone, conf('1.0.0'));
      expect(a).toEqual(b);
    }
    expect(call(ours, s, 'DEL', gone, conf('1.0.0')).status).toBe(0);
  });

  it('refuses to act on its own namespace after ADD and DEL (newest skeleton, code 8)', () => {
    const s = setup();
    const add = call(ours, s, 'ADD', s.host, conf('1.1.0'));
    expect(add.status).toBe(1);
    expect(add.stdout).toMatch(/"code": 8,\n {4}"msg": "plugin's netns and netns from CNI_NETNS should not be the same"\n\}$/);
    expect(call(ours, s, 'ADD', s.host, conf('1.1.0'), { CNI_NETNS_OVERRIDE: '1' }).status).toBe(0);
  });

  it('ADD and DEL at 1.1.0 (ours only: the oracle stops at 1.0.0)', () => {
    const s = setup();
    expect(call(ours, s, 'ADD', s.mine, conf('1.1.0')).status).toBe(0);
    expect(loState(s.mine).up).toBe(true);
    expect(call(ours, s, 'STATUS', s.mine, conf('1.1.0')).status).toBe(0);
    expect(call(ours, s, 'GC', s.mine, conf('1.1.0')).status).toBe(0);
    expect(call(ours, s, 'DEL', s.mine, conf('1.1.0')).status).toBe(0);
    expect(loState(s.mine).up).toBe(false);
  });
});
