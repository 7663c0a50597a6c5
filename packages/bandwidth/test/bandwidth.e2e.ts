// bandwidth as a runtime runs it after a main plugin, against the real kernel and the Go oracle
// (/usr/lib/cni/bandwidth, v1.1.1): the qdiscs, filter and IFB after ADD, CHECK and DEL agree
// (but for upstream's second, dead mirred action, docs/compat.md), errors agree for bad configs,
// bad input and failures mid-ADD leave nothing behind, and the shaping holds the rate ±20 %.
import { checkLeaks, cni, expectRate, must, routedPeer, testEnv, transfer, type PluginImpl, type TestEnv, type TestNetns, underTest } from '@cni-ts/testkit';
import { openHandle, openNetns } from '@cni-ts/netlink';
import { describe, expect, it } from 'vitest';
import { ifbName } from '../src/plugin';

checkLeaks();

const plugin = underTest('bandwidth', { oracle: true });
const { go } = plugin;

const ID = 'ctr1';
const LIMITS = { ingressRate: 8_000_000, ingressBurst: 1_000_000, egressRate: 16_000_000, egressBurst: 2_000_000 };

/** The veth a main plugin would have made: host end `bwh0` (with an address), container end eth0. */
function pod(env: TestEnv, ctr: TestNetns = env.container, ip = '10.66.9.2', hostIp = '10.66.9.1'): Record<string, unknown> {
  const h = openHandle(env.host.path);
  const ns = openNetns(ctr.path);
  try {
    h.linkAdd({ kind: 'veth', name: 'bwh0', up: true, peer: { name: 'eth0', netns: ns } });
    h.addrAdd('bwh0', `${hostIp}/24`);
  } finally {
    ns.close();
    h.close();
  }
  const c = openHandle(ctr.path);
  try {
    c.linkSetUp('eth0');
    c.addrAdd('eth0', `${ip}/24`);
    c.routeAdd({ dst: 'default', gateway: hostIp });
  } finally {
    c.close();
  }
  return {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'bwh0' }, { name: 'eth0', sandbox: ctr.path }],
    ips: [{ address: `${ip}/24`, gateway: hostIp, interface: 1 }],
  };
}

const conf = (prevResult: unknown, extra: Record<string, unknown> = LIMITS) => ({ cniVersion: '1.0.0', name: 'net1', type: 'bandwidth', ...extra, prevResult });

/** tc's view of the host namespace; the filter's actions cut to the first (the one that runs). */
function tcState(env: TestEnv) {
  const tc = (args: string[]) => JSON.parse(must('tc', ['-n', env.host.name, '-j', ...args]) || '[]') as Record<string, unknown>[];
  const filters = tc(['filter', 'show', 'dev', 'bwh0', 'ingress']).map((f) => {
    const o = f.options as { actions?: unknown[] } | undefined;
    return o?.actions ? { ...f, options: { ...o, actions: o.actions.slice(0, 1) } } : f;
  });
  const ifbs = (JSON.parse(must('ip', ['-n', env.host.name, '-j', '-d', 'link', 'show', 'type', 'ifb'])) as Record<string, unknown>[]).map((l) => ({
    name: l.ifname,
    mtu: l.mtu,
    flags: l.flags,
    txqlen: l.txqlen,
  }));
  return { qdiscs: tc(['qdisc', 'show']), filters, ifbs };
}

/** A result with what differs by run or by library version (docs/compat.md) taken out. */
function normal(json: unknown, env: TestEnv): unknown {
  const text = JSON.stringify(json).replaceAll(env.container.path, '<netns>').replace(/"mac":"[0-9a-f:]+"/g, '"mac":"<mac>"');
  const out = JSON.parse(text) as Record<string, unknown>;
  // CNI lib 1.1.2 (the oracle's) prints an empty dns; the newest omits it.
  if (out.dns && Object.keys(out.dns).length === 0) delete out.dns;
  return out;
}

function run(impl: PluginImpl, limits: Record<string, unknown> = LIMITS) {
  const env = testEnv();
  const prev = pod(env);
  const call = (command: 'ADD' | 'CHECK' | 'DEL', prevResult: unknown) =>
    cni(impl, env.host.name, { command, netns: env.container.path, containerId: ID, ifname: 'eth0' }, conf(prevResult, limits));
  const add = call('ADD', prev);
  expect(add.code, add.stdout + add.stderr).toBe(0);
  const afterAdd = tcState(env);
  const actions = (JSON.parse(must('tc', ['-n', env.host.name, '-j', 'filter', 'show', 'dev', 'bwh0', 'ingress']) || '[]') as { options?: { actions?: unknown[] } }[])
    .map((f) => f.options?.actions?.length ?? 0)
    .reduce((a, b) => a + b, 0);
  const check = call('CHECK', add.json);
  const del = call('DEL', add.json);
  const afterDel = tcState(env);
  return { state: { add: normal(add.json, env), afterAdd, check: [check.code, check.stdout], del: [del.code, del.stdout], afterDel }, actions };
}

describe('bandwidth against the Go oracle', () => {
  it('ADD makes the same TBFs, ingress qdisc, u32 filter and IFB; CHECK passes; DEL removes the IFB', () => {
    const g = run(go);
    const t = run(plugin.ours);
    // Upstream's filter has a second mirred action that never runs; ours has only the first.
    expect([g.actions, t.actions]).toEqual([2, 1]);
    expect(t.state).toEqual(g.state);
    expect(t.state.afterAdd.ifbs).toEqual([{ name: ifbName('net1', ID), mtu: 1500, flags: ['BROADCAST', 'NOARP', 'UP', 'LOWER_UP'], txqlen: undefined }]);
    expect(t.state.afterAdd.qdiscs.filter((q) => q.dev !== 'lo').map((q) => `${String(q.dev)} ${String(q.kind)} ${String(q.handle)}`)).toEqual([
      'bwh0 tbf 1:',
      'bwh0 ingress ffff:',
      `${ifbName('net1', ID)} tbf 1:`,
    ]);
    expect(t.state.afterDel.ifbs).toEqual([]);
  });

  it('only one direction, the capability, and the top-level entry winning over it', () => {
    for (const limits of [
      { runtimeConfig: { bandwidth: { egressRate: 16_000_000, egressBurst: 2_000_000 } } },
      { ingressRate: 0, runtimeConfig: { bandwidth: { egressRate: 16_000_000, egressBurst: 2_000_000 } } },
    ]) {
      expect(run(plugin.ours, limits).state, JSON.stringify(limits)).toEqual(run(go, limits).state);
    }
  });

  it('bad configs fail with the same error codes and messages, leaving nothing behind', () => {
    const cases: Record<string, unknown>[] = [
      { ingressRate: 8_000_000 },
      { egressBurst: 1000 },
      { egressRate: 8_000_000, egressBurst: 8 * 2 ** 32 },
      { ingressRate: 'fast', ingressBurst: 1 },
      { ingressRate: -1, ingressBurst: 1 },
      { runtimeConfig: { bandwidth: { ingressRate: 100 } } },
    ];
    const outs = (impl: PluginImpl) => {
      const env = testEnv();
      const prev = pod(env);
      const before = tcState(env);
      const res = cases.map((c) => {
        const r = cni(impl, env.host.name, { command: 'ADD', netns: env.container.path, containerId: ID, ifname: 'eth0' }, conf(prev, c));
        // Our decoder also names the field in `details`.
        return { code: r.code, json: { code: r.json?.code, msg: r.json?.msg } };
      });
      expect(tcState(env)).toEqual(before);
      return res;
    };
    expect(outs(plugin.ours)).toEqual(outs(go));
  });
});

describe('bandwidth, fixed upstream behaviour', () => {
  it('ADD without prevResult is an error, not a panic; CHECK without bandwidth succeeds; CHECK finds a missing TBF', () => {
    const env = testEnv();
    const prev = pod(env);
    const call = { command: 'ADD' as const, netns: env.container.path, containerId: ID, ifname: 'eth0' };
    const noPrev = cni(plugin.ours, env.host.name, call, { cniVersion: '1.0.0', name: 'net1', type: 'bandwidth' });
    expect(noPrev.json).toEqual({ code: 999, msg: 'must be called as chained plugin' });
    // v1.1.1 panics here (fixed in v1.9.1).
    const check = cni(plugin.ours, env.host.name, { ...call, command: 'CHECK' }, conf(prev, {}));
    expect([check.code, check.stdout]).toEqual([0, '']);
    expect(cni(go, env.host.name, { ...call, command: 'CHECK' }, conf(prev, {})).code).toBe(2);
    // CHECK finds a missing TBF (upstream's loop stops at the first qdisc that is not one: success).
    const add = cni(plugin.ours, env.host.name, call, conf(prev, { ingressRate: 8_000_000, ingressBurst: 1_000_000 }));
    expect(add.code, add.stdout).toBe(0);
    must('tc', ['-n', env.host.name, 'qdisc', 'del', 'dev', 'bwh0', 'root']);
    const shaped = conf(add.json, { ingressRate: 8_000_000, ingressBurst: 1_000_000 });
    expect(cni(plugin.ours, env.host.name, { ...call, command: 'CHECK' }, shaped).json).toEqual({ code: 999, msg: 'Failed to find qdisc' });
    expect(cni(go, env.host.name, { ...call, command: 'CHECK' }, shaped).code).toBe(0);
  });

  it('a failure mid-ADD (the IFB name taken) removes the TBF it had put on the host veth', () => {
    const env = testEnv();
    const prev = pod(env);
    must('ip', ['-n', env.host.name, 'link', 'add', ifbName('net1', ID), 'type', 'veth', 'peer', 'name', 'bwtaken']);
    const before = tcState(env);
    const r = cni(plugin.ours, env.host.name, { command: 'ADD', netns: env.container.path, containerId: ID, ifname: 'eth0' }, conf(prev));
    expect(r.json).toMatchObject({ code: 999, msg: 'adding link: file exists' });
    expect(tcState(env)).toEqual(before);
  });
});

describe('bandwidth throughput', () => {
  it('a pod limited to 8 Mbit/s in and 16 Mbit/s out measures within ±20 % both ways', async () => {
    const env = testEnv();
    const client = env.extra('client');
    const prev = pod(env);
    // The sender sits in a third namespace routed through the host, as a pod's peers do.
    routedPeer(env.host, client, { hostEnd: 'tc0', peerEnd: 'tc1', hostCidr: '10.66.10.1/24', peerCidr: '10.66.10.2/24' });
    const r = cni(plugin.ours, env.host.name, { command: 'ADD', netns: env.container.path, containerId: ID, ifname: 'eth0' }, conf(prev));
    expect(r.code, r.stdout).toBe(0);
    await expectRate(1_000_000, () => transfer(client, env.container, '10.66.9.2', 1_325_000, 125_000));
    await expectRate(2_000_000, () => transfer(env.container, client, '10.66.10.2', 2_650_000, 250_000));
  }, 60_000);
});
