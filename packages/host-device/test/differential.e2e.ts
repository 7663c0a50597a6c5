// Differential tests: the same configs through the Go oracle (/usr/lib/cni/host-device, v1.1.1)
// and ours, each in its own host/container pair. Results, errors and the kernel state after
// every step must agree, modulo docs/compat.md: sandbox paths, the empty "dns" of CNI lib 1.1.2,
// the alias 1.1.1 leaves on the device after DEL (newest clears it, as we do), and three error
// texts that v1.6.0's temp-netns rewrite changed (newestText).
import { checkLeaks, must, testEnv, type TestEnv, underTest } from '@cni-ts/testkit';
import { describe, expect, it } from 'vitest';
import { cni, type CniCall as Call, type CniOut, comparable, type DiffStep, type PluginImpl as Impl, ipamFiles, nsState, runDiffSteps } from '@cni-ts/testkit';

checkLeaks();

const plugin = underTest('host-device');
const { go } = plugin;

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
    'mkdir -p /sys/bus/pci/devices/0000:00:97.0',
    'ln -s /sys/bus/pci/drivers/vfio-pci /sys/bus/pci/devices/0000:00:97.0/driver',
    'exec "$@"',
  ].join('\n'),
  'sh',
];

type Conf = DiffStep['conf'];
interface Step extends DiffStep {
  call: DiffStep['call'] & { netns?: '' };
}

/** 1.1.1 texts that v1.6.0's temp-netns rewrite changed, as newest words them. */
function newestText(msg: string): string {
  return msg
    .replace(/^failed to move "(.*)" to host netns: /, 'failed to move "$1" to hostNS: ')
    .replace(/failed to find network devices at "(.*)"$/, 'failed to read directory $1: "open $1: no such file or directory"')
    .replace(/^failed to move link failed to rename device "(.*)" to "(.*)": /, 'failed to move link failed to move "$2" (host: "$1") to container NS: ');
}

const normal = (r: CniOut, env: TestEnv) => comparable(r, { sandbox: env.container.path, msg: newestText, macs: false });

function state(env: TestEnv) {
  const host = nsState(env.host.name, { macs: true });
  for (const l of host.links) delete l.alias;
  return { container: nsState(env.container.name, { macs: true }), host };
}

function runSteps(impl: Impl, steps: Step[], prepare: (env: TestEnv) => void, wrap: string[]) {
  const env = testEnv();
  env.hostLink('dev0');
  must('ip', ['-n', env.host.name, 'link', 'set', 'dev0', 'mtu', '1400', 'address', '02:66:00:00:00:01']);
  must('ip', ['-n', env.host.name, 'link', 'set', 'dev0p', 'address', '02:66:00:00:00:02']);
  prepare(env);
  const dir = plugin.dir(`hd-${impl.name}`);
  return { ...runDiffSteps(impl, env, dir, steps, { normal, state, wrap }), ipam: ipamFiles(dir, 'hdnet'), env };
}

function same(steps: Step[], { prepare = () => {}, wrap = [] }: { prepare?: (env: TestEnv) => void; wrap?: string[] } = {}) {
  const g = runSteps(go, steps, prepare, wrap);
  const t = runSteps(plugin.ours, steps, prepare, wrap);
  expect(t.outputs).toEqual(g.outputs);
  expect(t.states).toEqual(g.states);
  expect(t.ipam).toEqual(g.ipam);
  return { g, t };
}

const base = (extra: Record<string, unknown> = {}, v = '1.0.0'): Conf => () => ({ cniVersion: v, name: 'hdnet', type: 'host-device', device: 'dev0', ...extra });
const withHl = (extra: Record<string, unknown> = {}, v = '1.0.0'): Conf => (dir) => ({
  ...base(extra, v)(dir),
  ipam: { type: 'host-local', dataDir: dir, subnet: '10.66.0.0/24', routes: [{ dst: '0.0.0.0/0' }, { dst: '10.98.0.0/16', gw: '10.66.0.254' }] },
});

const ADD = (conf: Conf, more: Partial<Call> = {}): Step => ({ call: { command: 'ADD', ...more } as Step['call'], conf });
const DEL = (conf: Conf, more: Partial<Step['call']> = {}): Step => ({ call: { command: 'DEL', ...more } as Step['call'], conf });
const CHECK = (conf: Conf): Step => ({ call: { command: 'CHECK' }, conf, prev: true });

describe('host-device vs Go oracle', () => {
  it('by name, no IPAM: ADD, CHECK, DEL', () => {
    const { g, t } = same([ADD(base()), CHECK(base()), DEL(base())]);
    // 1.1.1 leaves the alias on the returned device; newest and ours clear it
    const alias = (r: typeof g) => nsState(r.env.host.name).links.find((l) => l.name === 'dev0')?.alias;
    expect(alias(g)).toBe('dev0');
    expect(alias(t)).toBeUndefined();
  });

  it.each([
    ['hwaddr', { device: undefined, hwaddr: '02:66:00:00:00:01' }],
    ['kernelpath', { device: undefined, kernelpath: '/sys/devices/virtual' }],
  ])('by %s', (_n, sel) => {
    same([ADD(base(sel)), CHECK(base(sel)), DEL(base(sel))]);
  });

  it('by pciBusID (fake sysfs)', () => {
    const c = base({ device: undefined, pciBusID: '0000:00:99.0' });
    same([ADD(c), CHECK(c), DEL(c)], { wrap: FAKE_SYS });
  });

  it('with host-local IPAM, for every result version', () => {
    for (const v of ['0.3.1', '0.4.0', '1.0.0']) {
      const c = withHl({ dns: { nameservers: ['10.66.0.53'] } }, v);
      same(v === '0.3.1' ? [ADD(c), DEL(c)] : [ADD(c), CHECK(c), DEL(c)]);
    }
  });

  it('with static IPv4 + IPv6', () => {
    const c: Conf = () => ({
      ...base()(''),
      ipam: { type: 'static', addresses: [{ address: '10.66.0.20/24', gateway: '10.66.0.1' }, { address: 'fd00:66::20/64', gateway: 'fd00:66::1' }], routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }] },
    });
    same([ADD(c), CHECK(c), DEL(c)]);
  });

  it('DEL blocked while the original name is taken on the host, then DEL again', () => {
    const c = base();
    const g = runSteps(go, [ADD(c)], () => {}, []);
    const t = runSteps(plugin.ours, [ADD(c)], () => {}, []);
    const del = (impl: Impl, env: TestEnv) => normal(cni(impl, env.host.name, { command: 'DEL', netns: env.container.path }, c('')), env);
    for (const r of [g, t]) {
      must('ip', ['-n', r.env.host.name, 'link', 'add', 'dev0', 'address', '02:66:00:00:00:aa', 'type', 'veth', 'peer', 'name', 'blk', 'address', '02:66:00:00:00:bb']);
    }
    expect(del(plugin.ours, t.env)).toEqual(del(go, g.env));
    expect(state(t.env)).toEqual(state(g.env));
    for (const r of [g, t]) must('ip', ['-n', r.env.host.name, 'link', 'del', 'dev0']);
    expect(del(plugin.ours, t.env)).toEqual(del(go, g.env));
    expect(state(t.env)).toEqual(state(g.env));
  });

  it.each([
    ['no selector', { device: undefined }],
    ['missing device', { device: 'nope0' }],
    ['bad hwaddr', { device: undefined, hwaddr: 'zz' }],
    ['unknown hwaddr', { device: undefined, hwaddr: '02:00:00:00:00:99' }],
    ['kernelpath outside /sys/devices', { device: undefined, kernelpath: '/etc' }],
    ['kernelpath without net/', { device: undefined, kernelpath: '/sys/devices/nope' }],
    ['pciBusID without a driver', { device: undefined, pciBusID: '0000:00:01.7' }],
  ])('bad config: %s', (_n, sel) => {
    same([ADD(withHl(sel))], { wrap: FAKE_SYS });
  });

});

describe('documented differences (docs/compat.md)', () => {
  it('name taken in the container: 1.1.1 strands the device in the container, newest and ours send it home', () => {
    const prepare = (env: TestEnv) => must('ip', ['-n', env.container.name, 'link', 'add', 'eth0', 'address', '02:66:00:00:00:cc', 'type', 'veth', 'peer', 'name', 'x0', 'address', '02:66:00:00:00:dd']);
    const g = runSteps(go, [ADD(base())], prepare, []);
    const t = runSteps(plugin.ours, [ADD(base())], prepare, []);
    expect(t.outputs).toEqual(g.outputs);
    const names = (r: typeof g, side: 'container' | 'host') => (r.states[0] as Record<string, { links: { name: string }[] }>)[side]!.links.map((l) => l.name);
    expect(names(g, 'container')).toEqual(['dev0', 'eth0', 'x0']);
    expect(names(t, 'container')).toEqual(['eth0', 'x0']);
    expect(names(t, 'host')).toEqual(['dev0', 'dev0p']);
  });

  it('DPDK: the oracle (1.1.1) returns no interface, newest and ours return {name, sandbox}', () => {
    const c: Conf = () => ({ ...base({ device: undefined, pciBusID: '0000:00:97.0' })(''), ipam: { type: 'static', addresses: [{ address: '10.66.0.9/24' }] } });
    const g = runSteps(go, [ADD(c), DEL(c)], () => {}, FAKE_SYS);
    const t = runSteps(plugin.ours, [ADD(c), DEL(c)], () => {}, FAKE_SYS);
    expect(g.outputs[0]).toEqual({ exit: 0, cniVersion: '1.0.0', ips: [{ interface: 0, address: '10.66.0.9/24' }] });
    expect(t.outputs[0]).toEqual({ exit: 0, cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '<netns>' }], ips: [{ interface: 0, address: '10.66.0.9/24' }] });
    expect(t.states).toEqual(g.states);
  });

  it('DEL twice, and DEL without the netns: the oracle fails or leaks the address; ours succeeds and releases it', () => {
    const c = withHl();
    const g = runSteps(go, [ADD(c), DEL(c, { netns: '' }), DEL(c), DEL(c)], () => {}, []);
    const t = runSteps(plugin.ours, [ADD(c), DEL(c, { netns: '' }), DEL(c), DEL(c)], () => {}, []);
    expect(g.outputs.slice(1)).toEqual([{ exit: 0 }, { exit: 0 }, { exit: 1, code: 999, msg: 'failed to find "eth0": Link not found' }]);
    expect(t.outputs.slice(1)).toEqual([{ exit: 0 }, { exit: 0 }, { exit: 0 }]);
    expect(t.states[3]).toEqual(g.states[3]);
    expect(t.ipam.filter((f) => f.startsWith('10.'))).toEqual([]);
  });

  it('a failure after the move: the oracle keeps the device in the container, ours returns it', () => {
    const dup: Conf = (dir) => ({
      ...base()(dir),
      ipam: { type: 'host-local', dataDir: dir, subnet: '10.66.0.0/24', routes: [{ dst: '10.98.0.0/16', gw: '10.66.0.254' }, { dst: '10.98.0.0/16', gw: '10.66.0.254' }] },
    });
    const g = runSteps(go, [ADD(dup)], () => {}, []);
    const t = runSteps(plugin.ours, [ADD(dup)], () => {}, []);
    expect((g.states[0] as { container: { links: { name: string }[] } }).container.links.map((l) => l.name)).toEqual(['eth0']);
    expect((t.states[0] as { container: { links: unknown[] } }).container.links).toEqual([]);
    expect((t.states[0] as { host: { links: { name: string; up: boolean }[] } }).host.links.find((l) => l.name === 'dev0')?.up).toBe(true);
  });
});
