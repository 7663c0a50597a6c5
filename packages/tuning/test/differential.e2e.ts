// Differential tests: the same CNI calls against the Go oracle (/usr/lib/cni/tuning, Debian
// containernetworking-plugins 1.1.1 built with CNI lib 1.1.2) and ours, each on its own
// container namespace holding the same veth pair (same MAC); outputs, kernel state (link
// attributes, sysctls) and backup files must agree.
//
// Known differences, normalised away or asserted in their own tests below:
//   1. 1.x results: CNI lib 1.1.2 always prints `"dns": {}`; the newest library (and we) omit it.
//   2. our errors carry `details` (the config field); Go's plugin errors have none.
//   3. args.cni.sysctl without a top-level sysctl: the oracle panics (nil map; exit 2, no JSON).
//   4. IFNAME in a sysctl key with a dotted interface name (eth0.100): 1.1.1 substitutes before
//      turning dots into slashes and writes to the wrong file; we (and v1.2.0+) do it after.
//   5. CHECK of a key with IFNAME: 1.1.1 does not substitute (fails); we (and v1.3.0+) do.
//   6. an upper-case MAC: the oracle echoes the text into the result and its CHECK then fails;
//      we report the kernel's form and compare addresses.
//   7. txQLen (v1.4.0+): the oracle ignores it.
//   8. duplicated sysctl keys (v1.2.0+ refuses them): the oracle takes the last.
//   9. a failure part-way (bad MAC, missing link, kernel refusal): the oracle leaves the sysctls it
//      wrote and its backup file; we validate first and undo on failure.
//  10. DEL once the link or the netns is gone: the oracle keeps the backup file forever; we remove it.
//  11. CHECK of a config without promisc fails on the oracle when the link is promiscuous.
//  12. CHECK messages of allmulti print a Go pointer on the oracle.
//  13. errors of the kernel name the operation on ours (`failed to set MTU of "eth0" to 99999:
//      invalid argument`); the oracle returns the bare errno text.
//  14. the backup directory is created 0700 by us, 0600 (sic) by the oracle.
//  16. DEL puts back the sysctls ADD wrote (kept under a `sysctl` key of the backup file, which
//      upstream's decoder ignores); upstream never restores sysctls. Normalised in backup files.
//  15. a repeated ADD of the same attachment: the oracle overwrites the backup with the values
//      the first ADD set, so DEL restores those; we keep the first originals.
// (prevResult decoding errors come from @cni-ts/cni, which follows the newest CNI library:
// `result type supports [1.0.0 1.1.0]` where CNI lib 1.1.2 says `[1.0.0]`; not compared here.)
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLeaks, link, must, testEnv, type TestNetns } from '@cni-ts/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { call, type Call, fallbackDataDir, type Impl, oracle, ours, type Out } from './harness';

checkLeaks(['/run/cni/tuning']);

const dirs: string[] = [];
afterAll(() => {
  for (const d of [...dirs, fallbackDataDir()]) rmSync(d, { recursive: true, force: true });
});
function tmp(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `cnits-tuning-${tag}-`));
  dirs.push(d);
  return d;
}

const ts = ours();
const MAC0 = '02:00:00:00:00:01';
const SYSCTLS = ['net/core/somaxconn', 'net/ipv4/conf/eth0/forwarding', 'net/ipv4/conf/all/log_martians', 'net/ipv4/ip_forward'];

interface Side {
  impl: Impl;
  host: TestNetns;
  ctr: TestNetns;
  dataDir: string;
}

/** Two containers with the same veth pair; the first for the oracle, the second for ours. */
function sides(ifname = 'eth0'): [Side, Side] {
  const env = testEnv();
  const ctr2 = env.extra('ctr2');
  return ([oracle, ts] as const).map((impl, i) => {
    const ctr = i === 0 ? env.container : ctr2;
    must('ip', ['-n', ctr.name, 'link', 'add', ifname, 'address', MAC0, 'type', 'veth', 'peer', 'name', 'peer0']);
    must('ip', ['-n', ctr.name, 'link', 'set', ifname, 'up']);
    return { impl, host: env.host, ctr, dataDir: tmp(impl.name) };
  }) as [Side, Side];
}

/** What a call printed, without the documented differences 1 and 2. */
function normal(r: Out): unknown {
  const out = r.json;
  if (!out) return { exit: r.code, stdout: r.stdout };
  if ('code' in out) return { exit: r.code, code: out.code, msg: out.msg };
  const copy = { ...out };
  if (copy.dns && Object.keys(copy.dns as object).length === 0) delete copy.dns;
  return { exit: r.code, ...copy };
}

/**
 * A backup file without our `sysctl` key (difference 16), in Go's one-space layout; undefined
 * when nothing else is in it (upstream writes no file for sysctls alone).
 */
function backupText(text: string): string | undefined {
  const o = JSON.parse(text) as Record<string, unknown>;
  if (!('sysctl' in o)) return text;
  delete o.sysctl;
  return Object.keys(o).length ? JSON.stringify(o, null, 1) : undefined;
}

function state(s: Side, ifname = 'eth0') {
  const l = link(s.ctr.name, ifname);
  const files = Object.fromEntries(
    readdirSync(s.dataDir)
      .map((f) => [f, backupText(readFileSync(join(s.dataDir, f), 'utf8'))])
      .filter(([, t]) => t !== undefined),
  );
  const sysctls = Object.fromEntries(SYSCTLS.map((k) => [k, must('ip', ['netns', 'exec', s.ctr.name, 'cat', `/proc/sys/${k}`]).trim()]));
  return {
    link: l && { mtu: l.mtu, mac: l.address, promiscuity: l.promiscuity, allmulti: l.flags.includes('ALLMULTI'), txqlen: l.txqlen },
    sysctls,
    files,
  };
}

/** `restoresSysctls`: a DEL after which our sysctls are the originals again (difference 16). */
type Step = { command: string; conf: (dataDir: string) => unknown; more?: Partial<Call>; restoresSysctls?: boolean };

const prev = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', mac: MAC0, sandbox: '/var/run/netns/x' }], ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1', interface: 0 }] };
const conf = (extra: Record<string, unknown>, cniVersion = '1.0.0', prevResult: unknown = prev) => (dataDir: string) => ({
  cniVersion,
  name: 'tune',
  type: 'tuning',
  dataDir,
  ...extra,
  ...(prevResult !== null && { prevResult }),
});
const step = (command: string, c: Step['conf'], more: Partial<Call> = {}): Step => ({ command, conf: c, more });
const delRestoring = (c: Step['conf'], more: Partial<Call> = {}): Step => ({ command: 'DEL', conf: c, more, restoresSysctls: true });

/** Runs the steps on both sides; returns per side the outputs and the state after each step. */
function both(steps: Step[], ifname = 'eth0') {
  return sides(ifname).map((s) => {
    const outputs: unknown[] = [];
    const states: unknown[] = [];
    for (const st of steps) {
      outputs.push(normal(call(s.impl, s.host, { command: st.command, netns: s.ctr.path, ifname, ...st.more }, st.conf(s.dataDir))));
      const st0 = state(s, ifname);
      states.push(st.restoresSysctls ? { ...st0, sysctls: '(16)' } : st0);
    }
    return { outputs, states };
  }) as [{ outputs: unknown[]; states: unknown[] }, { outputs: unknown[]; states: unknown[] }];
}

function expectSame([go, mine]: ReturnType<typeof both>) {
  expect(mine.outputs).toEqual(go.outputs);
  expect(mine.states).toEqual(go.states);
}

const dup = (d: string) =>
  `{"cniVersion":"1.0.0","name":"n","type":"tuning","dataDir":"${d}","sysctl":{"net.core.somaxconn":"1","net.core.somaxconn":"2"},"prevResult":${JSON.stringify(prev)}}`;
const chk = (s: Side, c: Record<string, unknown>) => call(s.impl, s.host, { command: 'CHECK', netns: s.ctr.path }, conf(c)(s.dataDir)).json?.msg;

describe('tuning vs Go oracle', () => {
  it('sysctls, every link attribute, the backup file, CHECK, DEL restoring the originals', () => {
    const full = conf({ sysctl: { 'net.core.somaxconn': '512', 'net.ipv4.conf.IFNAME.forwarding': '1' }, mac: '02:aa:bb:cc:dd:ee', mtu: 1400, promisc: true, allmulti: true });
    const checked = conf({ sysctl: { 'net.core.somaxconn': '512' }, mac: '02:aa:bb:cc:dd:ee', mtu: 1400, promisc: true, allmulti: true });
    const r = both([step('ADD', full), step('CHECK', checked), delRestoring(full), delRestoring(full)]);
    expectSame(r);
    expect(r[0].outputs[0]).toMatchObject({ exit: 0, interfaces: [{ mac: '02:aa:bb:cc:dd:ee' }] });
    expect(r[0].outputs[1]).toEqual({ exit: 0, stdout: '' });
    expect((r[1].states[0] as { files: Record<string, string> }).files).toEqual({
      'ctr1_eth0.json': `{\n "mac": "${MAC0}",\n "promisc": false,\n "mtu": 1500,\n "allmulti": false\n}`,
    });
  });

  it('args.cni overrides (with a top-level sysctl), CNI_ARGS and runtimeConfig MACs', () => {
    const r = both([
      step('ADD', conf({ sysctl: { 'net.core.somaxconn': '256' }, mtu: 1400, args: { cni: { sysctl: { 'net.core.somaxconn': '300', 'net.ipv4.ip_forward': '1' }, mtu: 1300, promisc: true, allmulti: false, mac: '02:00:00:00:00:0c' } } })),
      step('CHECK', conf({ sysctl: { 'net.core.somaxconn': '300' }, mtu: 1300, promisc: true, allmulti: false, mac: '02:00:00:00:00:0c' })),
      step('ADD', conf({ mac: '02:00:00:00:00:02' }), { containerId: 'ctr2', args: 'IgnoreUnknown=1;K8S_POD_NAME=p;MAC=02:00:00:00:00:03' }),
      step('ADD', conf({ mac: '02:00:00:00:00:02', runtimeConfig: { mac: '02:00:00:00:00:04' } }), { containerId: 'ctr3', args: 'MAC=02:00:00:00:00:03' }),
      step('DEL', conf({}), { containerId: 'ctr3' }),
      step('DEL', conf({}), { containerId: 'ctr2' }),
      delRestoring(conf({})),
    ]);
    expectSame(r);
  });

  it('pass-through at every result version', () => {
    const steps: Step[] = [];
    const ip4 = { version: '4', address: '10.1.0.2/24', gateway: '10.1.0.1', interface: 0 };
    for (const v of ['0.3.0', '0.3.1', '0.4.0']) {
      steps.push(step('ADD', conf({ sysctl: { 'net.core.somaxconn': '128' } }, v, { cniVersion: v, interfaces: [{ name: 'eth0', sandbox: '/x' }], ips: [ip4], routes: [{ dst: '0.0.0.0/0' }], dns: { nameservers: ['10.1.0.1'] } })));
    }
    steps.push(step('ADD', conf({ sysctl: { 'net.core.somaxconn': '129' } }, '0.2.0', { cniVersion: '0.2.0', ip4: { ip: '10.1.0.2/24', gateway: '10.1.0.1' } })));
    steps.push(step('ADD', conf({ mac: '02:00:00:00:00:05' }, '0.4.0', { cniVersion: '0.4.0', interfaces: [{ name: 'eth0', sandbox: '/x' }, { name: 'other' }], ips: [ip4] })));
    expectSame(both(steps));
  });

  it('errors', () => {
    const r = both([
      step('ADD', conf({ sysctl: { 'net.core.somaxconn': '1' } }, '1.0.0', null)),
      step('ADD', conf({ sysctl: { 'kernel.hostname': 'x' } })),
      step('ADD', conf({ sysctl: { 'net.core.nope': '1' } })),
      step('ADD', conf({ mtu: '1400' })),
      step('ADD', conf({ mtu: 1.5 })),
      step('ADD', conf({ args: { cni: { mtu: 'x' } } })),
      step('ADD', conf({ runtimeConfig: { mac: 5 } })),
      step('ADD', conf({ sysctl: { a: 5 } })),
      step('ADD', conf({}), { args: 'FOO=bar' }),
      step('ADD', conf({}), { args: 'MAC' }),
      step('CHECK', conf({}, '1.0.0', null)),
      step('CHECK', conf({}, '0.3.1')),
      step('DEL', conf({})),
      step('ADD', conf({ sysctl: { 'net.ipv4.ip_forward': 'x' } })),
    ]);
    expectSame(r);
    expect(r[0].outputs.slice(0, 3)).toEqual([
      { exit: 1, code: 999, msg: 'Required prevResult missing' },
      { exit: 1, code: 999, msg: 'invalid net sysctl key: "kernel.hostname"' },
      { exit: 1, code: 999, msg: 'open /proc/sys/net/core/nope: no such file or directory' },
    ]);
  });

  it('CHECK mismatches', () => {
    const r = both([
      step('ADD', conf({ sysctl: { 'net.core.somaxconn': '512' }, mtu: 1400, mac: '02:00:00:00:00:06' })),
      step('CHECK', conf({ mtu: 1450 })),
      step('CHECK', conf({ sysctl: { 'net.core.somaxconn': '513' } })),
      step('CHECK', conf({ mac: '02:00:00:00:00:07' })),
      step('CHECK', conf({ mtu: 1400 }), { ifname: 'nope0' }),
      step('CHECK', conf({ mtu: 1400, promisc: true })),
    ]);
    expectSame(r);
  });

  // ---- known differences ----

  it('3: args.cni.sysctl without a top-level sysctl: the oracle panics, we apply it', () => {
    const [go, mine] = sides();
    const c = conf({ args: { cni: { sysctl: { 'net.core.somaxconn': '700' } } } });
    const g = call(go.impl, go.host, { command: 'ADD', netns: go.ctr.path }, c(go.dataDir));
    expect(g.code).toBe(2);
    expect(g.stdout).toBe('');
    expect(g.stderr).toContain('assignment to entry in nil map');
    const o = call(mine.impl, mine.host, { command: 'ADD', netns: mine.ctr.path }, c(mine.dataDir));
    expect(o.code, o.stdout).toBe(0);
    expect((state(mine).sysctls as Record<string, string>)['net/core/somaxconn']).toBe('700');
  });

  it('4, 5: IFNAME with a dotted interface name, and IFNAME in CHECK', () => {
    const [go, mine] = sides('eth0.100');
    const c = conf({ sysctl: { 'net.ipv4.conf.IFNAME.forwarding': '1' } }, '1.0.0', { ...prev, interfaces: [{ name: 'eth0.100', sandbox: '/x' }] });
    const g = call(go.impl, go.host, { command: 'ADD', netns: go.ctr.path, ifname: 'eth0.100' }, c(go.dataDir));
    expect(g.json?.msg).toBe('open /proc/sys/net/ipv4/conf/eth0/100/forwarding: no such file or directory');
    const o = call(mine.impl, mine.host, { command: 'ADD', netns: mine.ctr.path, ifname: 'eth0.100' }, c(mine.dataDir));
    expect(o.code, o.stdout).toBe(0);
    expect(must('ip', ['netns', 'exec', mine.ctr.name, 'cat', '/proc/sys/net/ipv4/conf/eth0.100/forwarding']).trim()).toBe('1');
    expect(call(mine.impl, mine.host, { command: 'CHECK', netns: mine.ctr.path, ifname: 'eth0.100' }, c(mine.dataDir)).code).toBe(0);
    const gc = call(go.impl, go.host, { command: 'CHECK', netns: go.ctr.path, ifname: 'eth0.100' }, c(go.dataDir));
    expect(gc.json?.msg).toBe('open /proc/sys/net/ipv4/conf/IFNAME/forwarding: no such file or directory');
  });

  it('6, 7, 8: upper-case MAC, txQLen, duplicated sysctl keys', () => {
    const [go, mine] = sides();
    const c = conf({ mac: '02:AA:00:00:00:01', txQLen: 42 });
    const g = call(go.impl, go.host, { command: 'ADD', netns: go.ctr.path }, c(go.dataDir));
    const o = call(mine.impl, mine.host, { command: 'ADD', netns: mine.ctr.path }, c(mine.dataDir));
    expect((g.json!.interfaces as { mac: string }[])[0]!.mac).toBe('02:AA:00:00:00:01');
    expect((o.json!.interfaces as { mac: string }[])[0]!.mac).toBe('02:aa:00:00:00:01');
    expect(call(go.impl, go.host, { command: 'CHECK', netns: go.ctr.path }, c(go.dataDir)).json?.msg).toBe(
      'Error: Tuning configured Ethernet of eth0 is 02:AA:00:00:00:01, current value is 02:aa:00:00:00:01',
    );
    expect(call(mine.impl, mine.host, { command: 'CHECK', netns: mine.ctr.path }, c(mine.dataDir)).code).toBe(0);
    expect(state(go).link!.txqlen).toBe(1000);
    expect(state(mine).link!.txqlen).toBe(42);
    expect(call(go.impl, go.host, { command: 'ADD', netns: go.ctr.path }, dup(go.dataDir)).code).toBe(0);
    expect(call(mine.impl, mine.host, { command: 'ADD', netns: mine.ctr.path }, dup(mine.dataDir)).json?.msg).toBe('duplicated sysctl keys are not allowed');
  });

  it('9, 13: a failure part-way leaves the oracle half-done, us untouched', () => {
    const [go, mine] = sides();
    for (const [c, goMsg, ourMsg] of [
      [conf({ sysctl: { 'net.core.somaxconn': '999' }, mac: 'zz' }), 'invalid args zz for MAC addr: address zz: invalid MAC address', undefined],
      [conf({ sysctl: { 'net.core.somaxconn': '998' }, mtu: 99999 }), 'invalid argument', 'failed to set MTU of "eth0" to 99999: invalid argument'],
    ] as const) {
      const before = [state(go), state(mine)];
      expect(call(go.impl, go.host, { command: 'ADD', netns: go.ctr.path }, c(go.dataDir)).json?.msg).toBe(goMsg);
      expect(call(mine.impl, mine.host, { command: 'ADD', netns: mine.ctr.path }, c(mine.dataDir)).json?.msg).toBe(ourMsg ?? goMsg);
      expect(state(mine)).toEqual(before[1]);
      const after = state(go);
      expect(after.sysctls['net/core/somaxconn']).not.toBe(before[0]!.sysctls['net/core/somaxconn']);
      expect(Object.keys(after.files)).toEqual(['ctr1_eth0.json']);
      rmSync(join(go.dataDir, 'ctr1_eth0.json'));
    }
  });

  it('10: DEL once the link is gone keeps the backup on the oracle, not on ours', () => {
    const [go, mine] = sides();
    const c = conf({ mtu: 1400 });
    for (const s of [go, mine]) {
      expect(call(s.impl, s.host, { command: 'ADD', netns: s.ctr.path }, c(s.dataDir)).code).toBe(0);
      must('ip', ['-n', s.ctr.name, 'link', 'del', 'eth0']);
      expect(call(s.impl, s.host, { command: 'DEL', netns: s.ctr.path }, c(s.dataDir))).toMatchObject({ code: 0, stdout: '' });
    }
    expect(readdirSync(go.dataDir)).toEqual(['ctr1_eth0.json']);
    expect(readdirSync(mine.dataDir)).toEqual([]);
  });

  it('15: a repeated ADD: DEL restores the first originals on ours, the intermediate values on the oracle', () => {
    const [go, mine] = sides();
    for (const s of [go, mine]) {
      expect(call(s.impl, s.host, { command: 'ADD', netns: s.ctr.path }, conf({ mtu: 1400 })(s.dataDir)).code).toBe(0);
      expect(call(s.impl, s.host, { command: 'ADD', netns: s.ctr.path }, conf({ mtu: 1300 })(s.dataDir)).code).toBe(0);
      expect(call(s.impl, s.host, { command: 'DEL', netns: s.ctr.path }, conf({ mtu: 1300 })(s.dataDir)).code).toBe(0);
    }
    expect(state(go).link!.mtu).toBe(1400);
    expect(state(mine).link!.mtu).toBe(1500);
  });

  it('16: DEL puts the sysctls back on ours, not on the oracle', () => {
    const [go, mine] = sides();
    const c = conf({ sysctl: { 'net.core.somaxconn': '512', 'net.ipv4.conf.IFNAME.forwarding': '1' } });
    const before = state(mine).sysctls;
    for (const s of [go, mine]) {
      expect(call(s.impl, s.host, { command: 'ADD', netns: s.ctr.path }, c(s.dataDir)).code).toBe(0);
    }
    expect(readdirSync(go.dataDir)).toEqual([]);
    expect(readFileSync(join(mine.dataDir, 'ctr1_eth0.json'), 'utf8')).toBe(
      `{\n "sysctl": {\n  "/proc/sys/net/core/somaxconn": "${before['net/core/somaxconn']}",\n  "/proc/sys/net/ipv4/conf/eth0/forwarding": "0"\n }\n}`,
    );
    for (const s of [go, mine]) {
      expect(call(s.impl, s.host, { command: 'DEL', netns: s.ctr.path }, c(s.dataDir)).code).toBe(0);
    }
    expect(state(go).sysctls['net/core/somaxconn']).toBe('512');
    expect(state(mine).sysctls).toEqual(before);
    expect(readdirSync(mine.dataDir)).toEqual([]);
  });

  it('11, 12: CHECK of promisc not configured, allmulti message', () => {
    const [go, mine] = sides();
    for (const s of [go, mine]) {
      expect(call(s.impl, s.host, { command: 'ADD', netns: s.ctr.path }, conf({ allmulti: true })(s.dataDir)).code).toBe(0);
      must('ip', ['-n', s.ctr.name, 'link', 'set', 'eth0', 'promisc', 'on']);
    }
    expect(chk(go, { allmulti: true })).toBe('Error: Tuning link eth0 configured promisc is false, current value is 1');
    expect(chk(mine, { allmulti: true })).toBeUndefined();
    expect(chk(go, { allmulti: false, promisc: true })).toMatch(/^Error: Tuning configured all-multicast mode of eth0 is 0xc[0-9a-f]+, current value is true$/);
    expect(chk(mine, { allmulti: false, promisc: true })).toBe('Error: Tuning configured all-multicast mode of eth0 is false, current value is true');
  });
});
