// Differential tests: the same configs through the Go oracle (/usr/lib/cni/macvlan, v1.1.1 with
// its own host-local) and ours (with our host-local), each in its own host/container pair.
// Results, errors and the kernel state after every step must agree, modulo what is documented
// in docs/compat.md: random MACs, sandbox paths, the empty "dns" that CNI lib 1.1.2 prints,
// qlen 0 links and missing ndisc_notify of 1.1.1, and error texts upstream fixed after 1.1.1.
import { checkLeaks, must, testEnv, type TestEnv, underTest } from '@cni-ts/testkit';
import { describe, expect, it } from 'vitest';
import { type CniCall as Call, type CniOut, comparable, containerState, type DiffStep, type PluginImpl as Impl, ipamFiles, nsState, runDiffSteps } from '@cni-ts/testkit';

checkLeaks();

const plugin = underTest('macvlan');
const { go } = plugin;

type Conf = DiffStep['conf'];
type Step = DiffStep;

/** Output with the documented differences taken out: v1.3.0 lower-cased the first letter of macvlan's messages. */
const normal = (r: CniOut, env: TestEnv) => comparable(r, { sandbox: env.container.path, msg: (m) => m.replace('%!q(<nil>)', JSON.stringify(env.container.path)).replace(/^[A-Z]/, (c) => c.toLowerCase()) });

const state = (env: TestEnv) => ({ container: containerState(env), host: nsState(env.host.name).links.map((l) => l.name) });

function runSteps(impl: Impl, steps: Step[], prepare: (env: TestEnv) => void) {
  const env = testEnv();
  env.hostLink('master0');
  prepare(env);
  const dir = plugin.dir(`mv-${impl.name}`);
  return { ...runDiffSteps(impl, env, dir, steps, { normal, state }), ipam: ipamFiles(dir, 'mvnet') };
}

function same(steps: Step[], prepare: (env: TestEnv) => void = () => {}) {
  const g = runSteps(go, steps, prepare);
  const t = runSteps(plugin.ours, steps, prepare);
  expect(t.outputs).toEqual(g.outputs);
  expect(t.states).toEqual(g.states);
  expect(t.ipam).toEqual(g.ipam);
  return t;
}

const base = (extra: Record<string, unknown> = {}, v = '1.0.0'): Conf => (dir) => ({
  cniVersion: v,
  name: 'mvnet',
  type: 'macvlan',
  master: 'master0',
  ipam: { type: 'host-local', dataDir: dir, subnet: '10.77.0.0/24', routes: [{ dst: '0.0.0.0/0' }, { dst: '10.99.0.0/16', gw: '10.77.0.254' }] },
  ...extra,
});

const ADD = (conf: Conf, more: Partial<Call> = {}): Step => ({ call: { command: 'ADD', ...more } as Step['call'], conf });
const DEL = (conf: Conf, more: Partial<Step['call']> = {}): Step => ({ call: { command: 'DEL', ...more } as Step['call'], conf });
const CHECK = (conf: Conf): Step => ({ call: { command: 'CHECK' }, conf, prev: true });

describe('macvlan vs Go oracle', () => {
  it('L3 with host-local: ADD, CHECK, DEL, DEL again', () => {
    const c = base({ dns: { nameservers: ['10.77.0.53'], search: ['example.org'] } });
    same([ADD(c), CHECK(c), DEL(c), DEL(c), DEL(c, { netns: '' })]);
  });

  it.each(['bridge', 'private', 'vepa', 'passthru'])('mode %s', (mode) => {
    const c = base({ mode });
    same([ADD(c), CHECK(c), DEL(c)]);
  });

  it('mtu and MAC from config, CNI_ARGS and runtimeConfig', () => {
    const c = base({ mtu: 1400, mac: '02:00:00:00:00:01' });
    const rc = base({ mac: '02:00:00:00:00:01', runtimeConfig: { mac: '02:00:00:00:00:03' } });
    const args = { args: 'IgnoreUnknown=1;MAC=02:00:00:00:00:02' };
    const t = same([ADD(c), CHECK(c), DEL(c), ADD(c, args), DEL(c), ADD(rc, args), DEL(rc)]);
    expect(JSON.stringify(t.outputs)).toContain('"exit":0');
  });

  it('L2 and the 0.2.0 conversion failure that keeps the link', () => {
    const l2 = base({ ipam: {} });
    const old = base({ ipam: {} }, '0.2.0');
    same([ADD(l2), CHECK(l2), DEL(l2), ADD(old), DEL(old)]);
  });

  it.each(['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0'])('result of a %s config', (v) => {
    const c = base({}, v);
    same([ADD(c), DEL(c)]);
  });

  it('static IPAM with IPv4 and IPv6 (settle)', () => {
    const c: Conf = () => ({
      cniVersion: '1.0.0',
      name: 'mvnet',
      type: 'macvlan',
      master: 'master0',
      ipam: {
        type: 'static',
        addresses: [
          { address: '10.77.0.20/24', gateway: '10.77.0.1' },
          { address: 'fd00:77::20/64', gateway: 'fd00:77::1' },
        ],
        routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }],
      },
    });
    same([ADD(c), CHECK(c), DEL(c)]);
  });

  it('default master from the default route', () => {
    const c = base({ master: undefined });
    same([ADD(c), DEL(c)], (env) => {
      must('ip', ['-n', env.host.name, 'addr', 'add', '10.77.0.10/24', 'dev', 'master0']);
      must('ip', ['-n', env.host.name, 'route', 'add', 'default', 'via', '10.77.0.254']);
    });
  });

  it.each([
    ['unknown mode', { mode: 'bogus' }],
    ['missing master', { master: 'nope0' }],
    ['MTU above the master', { mtu: 9000 }],
    ['negative MTU', { mtu: -5 }],
    ['MTU of the wrong type', { mtu: '1500' }],
    ['bad MAC', { mac: '02:00:00:00:00' }],
    ['no default route', { master: '' }],
  ])('bad config: %s', (_name, extra) => {
    const c = base(extra);
    same([ADD(c)]);
  });

  it('unknown CNI_ARGS', () => {
    same([ADD(base(), { args: 'FOO=bar' })]);
  });

  it('interface name taken in the container', () => {
    same([ADD(base())], (env) => must('ip', ['-n', env.container.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'x0']));
  });

  it('CHECK failures', () => {
    const c = base();
    same([ADD(c), CHECK(base({ mode: 'vepa' })), CHECK(base({ master: 'nope0' })), { call: { command: 'CHECK' }, conf: c }]);
  });
});

describe('documented differences (docs/compat.md)', () => {
  it('a failure after IPAM: the oracle leaves the macvlan in the container, ours removes it; both release the address', () => {
    const c = base({
      ipam: undefined,
    });
    const dup = (dir: string) => ({ ...c(dir), ipam: { type: 'host-local', dataDir: dir, subnet: '10.77.0.0/24', routes: [{ dst: '10.99.0.0/16', gw: '10.77.0.254' }, { dst: '10.99.0.0/16', gw: '10.77.0.254' }] } });
    const g = runSteps(go, [ADD(dup)], () => {});
    const t = runSteps(plugin.ours, [ADD(dup)], () => {});
    expect((t.outputs[0] as { msg: string }).msg).toBe("failed to add route '10.99.0.0/16 via 10.77.0.254 dev eth0 metric 0 (Scope: universe, Table: 0)': file exists");
    expect((g.outputs[0] as { msg: string }).msg).toBe("failed to add route '{10.99.0.0 ffff0000} via 10.77.0.254 dev eth0': file exists");
    expect((g.states[0] as { container: { links: unknown[] } }).container.links).toHaveLength(1);
    expect((t.states[0] as { container: { links: unknown[] } }).container.links).toHaveLength(0);
    expect(g.ipam.filter((f) => f.startsWith('10.'))).toEqual([]);
    expect(t.ipam.filter((f) => f.startsWith('10.'))).toEqual([]);
  });

  it('DEL after the master is gone: the oracle fails (CP#953, fixed in v1.4.0), ours releases and succeeds', () => {
    const c = base();
    const steps = [ADD(c), DEL(base({ master: 'gone0' }))];
    const g = runSteps(go, steps, () => {});
    const t = runSteps(plugin.ours, steps, () => {});
    expect(g.outputs[1]).toEqual({ exit: 1, code: 999, msg: 'link not found' });
    expect(t.outputs[1]).toEqual({ exit: 0 });
    expect(t.ipam.filter((f) => f.startsWith('10.'))).toEqual([]);
  });
});
