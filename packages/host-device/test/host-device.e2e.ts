// host-device against the real kernel: every selector, IPAM, DPDK and auxiliary devices (through
// a fake /sys/bus in a private mount namespace), moves in and out with their undo steps.
import { addrs, checkLeaks, link, links, must, ping, testEnv, type TestEnv, underTest } from '@cni-ts/testkit';
import { describe, expect, it } from 'vitest';
import { cni, ipamFiles } from '@cni-ts/testkit';

checkLeaks();

const plugin = underTest('host-device');

function hl(extra: Record<string, unknown> = {}) {
  const d = plugin.dir();
  return { type: 'host-local', dataDir: d, subnet: '10.66.0.0/24', ...extra };
}

const conf = (extra: Record<string, unknown> = {}, cniVersion = '1.0.0'): Record<string, unknown> => ({ cniVersion, name: 'hdnet', type: 'host-device', ...extra });

/** A host with dev0 (up, MTU 1400) whose veth peer sits in a "peer" namespace at 10.66.0.254. */
function setup(): TestEnv & { peer: string } {
  const env = testEnv();
  env.hostLink('dev0');
  must('ip', ['-n', env.host.name, 'link', 'set', 'dev0', 'mtu', '1400', 'address', '02:66:00:00:00:01']);
  const peer = env.extra('peer');
  must('ip', ['-n', env.host.name, 'link', 'set', 'dev0p', 'netns', peer.name]);
  must('ip', ['-n', peer.name, 'addr', 'add', '10.66.0.254/24', 'dev', 'dev0p']);
  must('ip', ['-n', peer.name, 'link', 'set', 'dev0p', 'up', 'mtu', '1400']);
  return { ...env, peer: peer.name };
}

/** A private /sys/bus with fake PCI and auxiliary devices whose net/ entries name host links. */
const FAKE_SYS = [
  'unshare',
  '-m',
  'sh',
  '-c',
  [
    'set -e',
    'mount -t tmpfs none /sys/bus',
    'mkdir -p /sys/bus/pci/devices/0000:00:99.0/net/dev0 /sys/bus/pci/drivers/e1000e /sys/bus/pci/drivers/vfio-pci',
    'ln -s /sys/bus/pci/drivers/e1000e /sys/bus/pci/devices/0000:00:99.0/driver',
    'mkdir -p /sys/bus/pci/devices/0000:00:98.0/virtio3/net/dev0',
    'ln -s /sys/bus/pci/drivers/e1000e /sys/bus/pci/devices/0000:00:98.0/driver',
    'mkdir -p /sys/bus/pci/devices/0000:00:97.0',
    'ln -s /sys/bus/pci/drivers/vfio-pci /sys/bus/pci/devices/0000:00:97.0/driver',
    'mkdir -p /sys/bus/auxiliary/devices/mlx5_core.eth.0/net/dev0',
    'exec "$@"',
  ].join('\n'),
  'sh',
];

type Env = TestEnv & { peer: string };
const add = (env: Env, c: unknown, more: Record<string, string> = {}, wrap: string[] = []) =>
  cni(plugin.ours, env.host.name, { command: 'ADD', netns: env.container.path, ...more }, c, wrap);
const del = (env: Env, c: unknown, more: Record<string, string> = {}, wrap: string[] = []) =>
  cni(plugin.ours, env.host.name, { command: 'DEL', netns: env.container.path, ...more }, c, wrap);
const check = (env: Env, c: unknown, more: Record<string, string> = {}, wrap: string[] = []) =>
  cni(plugin.ours, env.host.name, { command: 'CHECK', netns: env.container.path, ...more }, c, wrap);

function ok(r: ReturnType<typeof cni>) {
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.json;
}
function errorOf(r: ReturnType<typeof cni>) {
  expect(r.code, r.stdout).toBe(1);
  return r.json as { code: number; msg: string; details?: string };
}

/** dev0 back on the host under its name, with its MAC and MTU, no alias, no addresses. */
function expectHome(env: Env, up: boolean, containerEth0 = false) {
  const d = link(env.host.name, 'dev0');
  expect(d).toBeDefined();
  expect(d!.address).toBe('02:66:00:00:00:01');
  expect(d!.mtu).toBe(1400);
  expect(d!.ifalias).toBeUndefined();
  expect(d!.flags.includes('UP')).toBe(up);
  if (!containerEth0) expect(link(env.container.name, 'eth0')).toBeUndefined();
  expect(addrs(env.host.name, 'dev0').filter((a) => a.scope !== 'link')).toEqual([]);
}

describe('ADD and DEL', () => {
  it('moves the device by name, renamed to CNI_IFNAME with its original name as alias, and back', () => {
    const env = setup();
    const c = conf({ device: 'dev0' });
    const r = ok(add(env, c));
    expect(r).toEqual({ cniVersion: '1.0.0', interfaces: [{ name: 'eth0', mac: '02:66:00:00:00:01', sandbox: env.container.path }] });
    const eth0 = link(env.container.name, 'eth0')!;
    expect(eth0.flags).toContain('UP');
    expect(eth0.ifalias).toBe('dev0');
    expect(eth0.mtu).toBe(1400);
    expect(link(env.host.name, 'dev0')).toBeUndefined();
    ok(check(env, { ...c, prevResult: r }));
    ok(del(env, c));
    expectHome(env, false);
    ok(del(env, c));
  });

  it.each([
    ['hwaddr', { hwaddr: '02:66:00:00:00:01' }],
    ['hwaddr (dash form, upper case)', { hwaddr: '02-66-00-00-00-01'.toUpperCase() }],
    ['kernelpath', { kernelpath: '/sys/devices/virtual' }],
  ])('selects the device by %s', (_n, sel) => {
    const env = setup();
    const c = conf(sel);
    ok(add(env, c));
    expect(link(env.container.name, 'eth0')?.ifalias).toBe('dev0');
    ok(del(env, c));
    expectHome(env, false);
  });

  it.each([
    ['pciBusID', { pciBusID: '0000:00:99.0' }],
    ['pciBusID of a virtio device', { pciBusID: '0000:00:98.0' }],
    ['runtimeConfig.deviceID (PCI)', { runtimeConfig: { deviceID: '0000:00:99.0' } }],
    ['runtimeConfig.deviceID (auxiliary bus)', { runtimeConfig: { deviceID: 'mlx5_core.eth.0' } }],
  ])('selects the device by %s', (_n, sel) => {
    const env = setup();
    const c = conf({ device: undefined, ...sel });
    ok(add(env, c, {}, FAKE_SYS));
    expect(link(env.container.name, 'eth0')?.ifalias).toBe('dev0');
    ok(check(env, { ...c, prevResult: { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: env.container.path }] } }, {}, FAKE_SYS));
    ok(del(env, c, {}, FAKE_SYS));
    expectHome(env, false);
  });

  it('with IPAM: addresses and routes in the container; the peer behind the device answers', () => {
    const env = setup();
    const c = conf({ device: 'dev0', ipam: hl({ routes: [{ dst: '10.98.0.0/16', gw: '10.66.0.254' }] }), dns: { nameservers: ['10.66.0.53'] } });
    const r = ok(add(env, c))!;
    expect(r).toEqual({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0', mac: '02:66:00:00:00:01', sandbox: env.container.path }],
      ips: [{ interface: 0, address: '10.66.0.2/24', gateway: '10.66.0.1' }],
      routes: [{ dst: '10.98.0.0/16', gw: '10.66.0.254' }],
      dns: { nameservers: ['10.66.0.53'] },
    });
    expect(addrs(env.container.name, 'eth0').map((a) => `${a.local}/${a.prefixlen}`)).toContain('10.66.0.2/24');
    expect(ping(env.container.name, '10.66.0.254')).toBe(true);
    ok(check(env, { ...c, prevResult: r }));
    ok(del(env, c));
    expectHome(env, false);
    expect(ipamFiles((c.ipam as { dataDir: string }).dataDir, 'hdnet').filter((f) => f.startsWith('10.'))).toEqual([]);
  });

  it('DPDK (vfio-pci driver): nothing is moved, IPAM still runs', () => {
    const env = setup();
    const c = conf({ pciBusID: '0000:00:97.0', ipam: { type: 'static', addresses: [{ address: '10.66.0.9/24' }] } });
    const r = ok(add(env, c, {}, FAKE_SYS));
    expect(r).toEqual({ cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: env.container.path }], ips: [{ interface: 0, address: '10.66.0.9/24' }] });
    expect(link(env.host.name, 'dev0')).toBeDefined();
    ok(check(env, { ...c, prevResult: r }, {}, FAKE_SYS));
    ok(del(env, c, {}, FAKE_SYS));
    const l2 = conf({ pciBusID: '0000:00:97.0' });
    expect(ok(add(env, l2, {}, FAKE_SYS))).toEqual({ cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: env.container.path }] });
  });

  it('DEL waits while the original name is taken on the host (the device stays up in the container), then succeeds', () => {
    const env = setup();
    const c = conf({ device: 'dev0' });
    ok(add(env, c));
    must('ip', ['-n', env.host.name, 'link', 'add', 'dev0', 'type', 'veth', 'peer', 'name', 'blocker']);
    expect(errorOf(del(env, c)).msg).toBe('failed to move "dev0" to hostNS: file exists');
    const eth0 = link(env.container.name, 'eth0')!;
    expect(eth0.flags).toContain('UP');
    expect(eth0.ifalias).toBe('dev0');
    must('ip', ['-n', env.host.name, 'link', 'del', 'dev0']);
    ok(del(env, c));
    expectHome(env, false);
  });

  it('DEL is idempotent: no netns, a vanished netns, a device already gone', () => {
    const env = setup();
    const c = conf({ device: 'dev0', ipam: hl() });
    const dir = (c.ipam as { dataDir: string }).dataDir;
    ok(add(env, c));
    ok(del(env, c, { netns: '' }));
    // upstream returns before IPAM DEL without a netns; here the address is released
    expect(ipamFiles(dir, 'hdnet').filter((f) => f.startsWith('10.'))).toEqual([]);
    ok(del(env, c));
    expectHome(env, false);
    ok(del(env, c));
    ok(del(env, c, { netns: '/run/netns/cnits-gone' }));
  });
});

describe('failures leave the device where it was', () => {
  it('a name already used in the container: the device returns to the host, up as before', () => {
    const env = setup();
    must('ip', ['-n', env.container.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'x0']);
    const e = errorOf(add(env, conf({ device: 'dev0' })));
    expect(e.msg).toBe('failed to move link failed to move "eth0" (host: "dev0") to container NS: file exists');
    expectHome(env, true, true);
    expect(link(env.container.name, 'eth0')?.link).toBe('x0');
  });

  it('an IPAM failure after the move: the device returns and the address is released (upstream keeps the device in the container)', () => {
    const env = setup();
    const c = conf({ device: 'dev0', ipam: hl({ routes: [{ dst: '10.98.0.0/16', gw: '10.66.0.254' }, { dst: '10.98.0.0/16', gw: '10.66.0.254' }] }) });
    expect(errorOf(add(env, c)).msg).toMatch(/^failed to add route '10.98.0.0\/16 via 10.66.0.254 dev eth0 .*file exists$/);
    expectHome(env, true);
    expect(ipamFiles((c.ipam as { dataDir: string }).dataDir, 'hdnet').filter((f) => f.startsWith('10.'))).toEqual([]);
  });

  it.each([
    ['no selector', {}, 'specify either "device", "hwaddr", "kernelpath" or "pciBusID"'],
    ['missing device', { device: 'nope0' }, 'failed to find host device: Link not found'],
    ['bad hwaddr', { hwaddr: 'zz' }, 'failed to find host device: failed to parse MAC address "zz": address zz: invalid MAC address'],
    ['unknown hwaddr', { hwaddr: '02:00:00:00:00:99' }, 'failed to find host device: failed to find physical interface'],
    ['kernelpath outside /sys/devices', { kernelpath: '/etc' }, 'failed to find host device: kernel device path "/etc" must be absolute and begin with /sys/devices/'],
    ['kernelpath without net/', { kernelpath: '/sys/devices/nope' }, 'failed to find host device: failed to read directory /sys/devices/nope/net: "open /sys/devices/nope/net: no such file or directory"'],
    ['unknown deviceID', { runtimeConfig: { deviceID: '0000:00:01.7' } }, 'runtime config DeviceID 0000:00:01.7 not found or unsupported'],
    ['pciBusID without a driver', { pciBusID: '0000:00:01.7' }, 'error with host device: lstat /sys/bus/pci/devices/0000:00:01.7: no such file or directory'],
  ])('%s', (_n, sel, msg) => {
    const env = setup();
    const c = conf({ ...sel, ipam: hl() });
    expect(errorOf(add(env, c, {}, FAKE_SYS))).toEqual({ code: 999, msg });
    expectHome(env, true);
    expect(ipamFiles((c.ipam as { dataDir: string }).dataDir, 'hdnet')).toEqual([]);
  });
});

describe('CHECK', () => {
  it('notices a changed MAC, a missing device and missing addresses', () => {
    const env = setup();
    const c = conf({ device: 'dev0', ipam: hl() });
    const prevResult = ok(add(env, c));
    ok(check(env, { ...c, prevResult }));
    expect(errorOf(check(env, c)).msg).toBe('Required prevResult missing');
    must('ip', ['-n', env.container.name, 'addr', 'flush', 'dev', 'eth0']);
    expect(errorOf(check(env, { ...c, prevResult })).msg).toBe('Failed to match addr 10.66.0.2/24 on interface eth0');
    must('ip', ['-n', env.container.name, 'link', 'set', 'eth0', 'address', '02:66:00:00:00:02']);
    expect(errorOf(check(env, { ...c, prevResult })).msg).toBe("Interface eth0 Mac 02:66:00:00:00:01 doesn't match container Mac: 02:66:00:00:00:02");
    must('ip', ['-n', env.container.name, 'link', 'set', 'eth0', 'name', 'eth9']);
    expect(errorOf(check(env, { ...c, prevResult })).msg).toBe('Container Interface name in prevResult: eth0 not found');
    must('ip', ['-n', env.container.name, 'link', 'set', 'eth9', 'name', 'eth0']);
    ok(del(env, c));
    expect(links(env.host.name).map((l) => l.ifname)).toContain('dev0');
  });
});
