// ipvlan against a kernel that has it (the user-mode-linux guest of the kernel suite): every
// option, traffic, rollback and idempotent DEL. The plugin runs with the test "host" namespace as
// its own; IPAM is our host-local/static through launchers in CNI_PATH.
import { rmSync } from 'node:fs';
import { addrs, checkLeaks, link, links, must, ping, routes, sysctl, testEnv, type TestEnv } from '@cni-ts/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cni, dataDir, ipamFiles, type PluginImpl as Impl, tsPlugin } from '@cni-ts/testkit';

checkLeaks(['/var/lib/cni']);

let ours: Impl;
const dirs: string[] = [];
beforeAll(async () => {
  // IPAM in-process, as the installed binary runs it: a Node start in the guest costs seconds.
  ours = await tsPlugin('ipvlan', { ipam: 'in-process' });
}, 600_000);
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function hl(extra: Record<string, unknown> = {}) {
  const d = dataDir();
  dirs.push(d);
  return { type: 'host-local', dataDir: d, subnet: '10.88.0.0/24', ...extra };
}

const conf = (extra: Record<string, unknown> = {}, cniVersion = '1.0.0'): Record<string, unknown> => ({
  cniVersion,
  name: 'ipvnet',
  type: 'ipvlan',
  master: 'master0',
  ipam: hl(),
  ...extra,
});

type Env = TestEnv & { peer: string };

/** master0 in the host, a veth whose peer sits in a "peer" namespace at 10.88.0.254. */
function setup(): Env {
  const env = testEnv();
  env.hostLink('master0');
  const peer = env.extra('peer');
  must('ip', ['-n', env.host.name, 'link', 'set', 'master0p', 'netns', peer.name]);
  must('ip', ['-n', peer.name, 'addr', 'add', '10.88.0.254/24', 'dev', 'master0p']);
  must('ip', ['-n', peer.name, 'link', 'set', 'master0p', 'up']);
  return { ...env, peer: peer.name };
}

const call = (command: string) => (env: TestEnv, c: unknown, more: Record<string, string> = {}) =>
  cni(ours, env.host.name, { command, netns: env.container.path, ...more }, c);
const add = call('ADD');
const del = call('DEL');
const check = call('CHECK');

function ok(r: ReturnType<typeof cni>) {
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.json;
}
function errorOf(r: ReturnType<typeof cni>) {
  expect(r.code, r.stdout).toBe(1);
  return r.json as { code: number; msg: string };
}
const hlDir = (c: Record<string, unknown>) => (c.ipam as { dataDir: string }).dataDir;
const reserved = (c: Record<string, unknown>) => ipamFiles(hlDir(c), 'ipvnet').filter((f) => f.startsWith('10.'));

// UML runs every syscall through ptrace: allow each case 5 minutes.
describe('ipvlan', { timeout: 300_000 }, () => {
  it('l2 with host-local: result, kernel state, CHECK, DEL twice', () => {
    const env = setup();
    const c = conf({ ipam: hl({ routes: [{ dst: '0.0.0.0/0' }] }), dns: { nameservers: ['10.88.0.53'] } });
    const r = ok(add(env, c))!;
    const eth0 = link(env.container.name, 'eth0')!;
    expect(r).toEqual({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0', mac: eth0.address, sandbox: env.container.path }],
      ips: [{ interface: 0, address: '10.88.0.2/24', gateway: '10.88.0.1' }],
      routes: [{ dst: '0.0.0.0/0' }],
      dns: { nameservers: ['10.88.0.53'] },
    });
    expect(eth0.linkinfo?.info_kind).toBe('ipvlan');
    expect(eth0.linkinfo?.info_data).toMatchObject({ mode: 'l2' });
    expect(eth0.address).toBe(link(env.host.name, 'master0')?.address); // ipvlan shares the master's MAC
    expect(eth0.flags).toContain('UP');
    expect(routes(env.container.name)).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '10.88.0.1' }));
    expect(sysctl(env.container.name, 'net/ipv4/conf/eth0/arp_notify')).toBe('1');
    expect(sysctl(env.container.name, 'net/ipv6/conf/eth0/ndisc_notify')).toBe('1');
    ok(check(env, { ...c, prevResult: r }));
    ok(del(env, c));
    expect(link(env.container.name, 'eth0')).toBeUndefined();
    expect(reserved(c)).toEqual([]);
    ok(del(env, c));
  });

  it.each([
    ['l3', 'bridge'],
    ['l3s', 'private'],
    ['l2', 'vepa'],
  ])('mode %s, flag %s', (mode, flag) => {
    const env = setup();
    const c = conf({ mode, flag, mtu: 1400 });
    const r = ok(add(env, c));
    const eth0 = link(env.container.name, 'eth0')!;
    expect(eth0.linkinfo?.info_data?.mode).toBe(mode);
    // iproute2 prints the isolation flag as a boolean key: {"mode":"l3s","private":true}
    expect(eth0.linkinfo?.info_data?.[flag]).toBe(true);
    expect(eth0.mtu).toBe(1400);
    ok(check(env, { ...c, prevResult: r }));
    expect(errorOf(check(env, { ...c, mode: mode === 'l2' ? 'l3' : 'l2', prevResult: r })).msg).toMatch(/^Container IPVlan mode .* does not match expected value/);
    ok(del(env, c));
  });

  it('two pods on one master reach each other (l2) and the peer behind the master', () => {
    const env = setup();
    const pod2 = env.extra('pod2');
    const c = conf({ ipam: hl({ rangeStart: '10.88.0.10' }) });
    ok(add(env, c, { containerId: 'pod1' }));
    ok(cni(ours, env.host.name, { command: 'ADD', netns: pod2.path, containerId: 'pod2' }, c));
    expect(ping(env.container.name, '10.88.0.11')).toBe(true);
    expect(ping(pod2.name, '10.88.0.10')).toBe(true);
    expect(ping(env.container.name, '10.88.0.254')).toBe(true);
  });

  it('chained: the master and the addresses come from prevResult', () => {
    const env = setup();
    const c = {
      cniVersion: '1.0.0',
      name: 'ipvnet',
      type: 'ipvlan',
      prevResult: {
        cniVersion: '1.0.0',
        interfaces: [{ name: 'master0' }],
        ips: [{ address: '10.88.0.40/24', gateway: '10.88.0.1', interface: 0 }],
        routes: [{ dst: '10.97.0.0/16' }],
        dns: { nameservers: ['1.1.1.1'] },
      },
    };
    const r = ok(add(env, c))!;
    expect(r).toEqual({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0', mac: link(env.container.name, 'eth0')!.address, sandbox: env.container.path }],
      ips: [{ interface: 0, address: '10.88.0.40/24', gateway: '10.88.0.1' }],
      routes: [{ dst: '10.97.0.0/16' }],
    });
    expect(addrs(env.container.name, 'eth0').map((a) => a.local)).toContain('10.88.0.40');
    // CHECK gets this attachment's own result: no master to look up (upstream always fails here)
    ok(check(env, { ...c, prevResult: r }));
    ok(del(env, c));
    const two = { ...c, prevResult: { ...c.prevResult, interfaces: [{ name: 'a' }, { name: 'b' }] } };
    expect(errorOf(add(env, two)).msg).toBe('chained master failure. PrevResult lacks a single named interface');
  });

  it('default master, linkInContainer', () => {
    const env = setup();
    const c = { ...conf(), master: undefined };
    expect(errorOf(add(env, c)).msg).toBe('no default route interface found');
    must('ip', ['-n', env.host.name, 'addr', 'add', '10.88.0.9/24', 'dev', 'master0']);
    must('ip', ['-n', env.host.name, 'route', 'add', 'default', 'via', '10.88.0.254']);
    ok(add(env, c));
    ok(del(env, c));
    must('ip', ['-n', env.container.name, 'link', 'add', 'cm0', 'type', 'dummy']);
    must('ip', ['-n', env.container.name, 'link', 'set', 'cm0', 'up']);
    const inC = conf({ master: 'cm0', linkInContainer: true });
    ok(add(env, inC));
    expect(link(env.container.name, 'eth0')?.link).toBe('cm0');
    ok(del(env, inC));
  });

  it.each([
    ['unknown mode', { mode: 'l4' }, 'unknown ipvlan mode: "l4"'],
    ['unknown flag', { flag: 'open' }, 'unknown ipvlan flag: "open"'],
    ['missing master', { master: 'nope0' }, 'failed to lookup master "nope0": Link not found'],
    ['no IPAM and no prevResult', { ipam: {} }, 'no plugin name provided'],
  ])('bad config (%s) leaves no link and no reservation', (_n, extra, msg) => {
    const env = setup();
    const c = conf(extra);
    expect(errorOf(add(env, c))).toEqual({ code: 999, msg });
    expect(links(env.container.name).map((l) => l.ifname)).toEqual(['lo']);
    if ((c.ipam as { dataDir?: string }).dataDir) expect(reserved(c)).toEqual([]);
  });

  it('a failure after IPAM removes the link and releases the address (upstream leaks the link)', () => {
    const env = setup();
    const c = conf({ ipam: hl({ routes: [{ dst: '10.97.0.0/16', gw: '10.88.0.254' }, { dst: '10.97.0.0/16', gw: '10.88.0.254' }] }) });
    expect(errorOf(add(env, c)).msg).toMatch(/file exists$/);
    expect(links(env.container.name).map((l) => l.ifname)).toEqual(['lo']);
    expect(reserved(c)).toEqual([]);
  });

  it('DEL succeeds without the master, the default route, the link or the netns', () => {
    const env = setup();
    const c = conf();
    ok(add(env, c));
    must('ip', ['-n', env.host.name, 'link', 'del', 'master0']);
    ok(del(env, { ...c, master: undefined }));
    expect(reserved(c)).toEqual([]);
    ok(del(env, c, { netns: '' }));
    ok(del(env, c, { netns: '/run/netns/cnits-gone' }));
  });
});
