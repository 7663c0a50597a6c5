// Differential tests: the same sequence of CNI calls against the Go oracle (/usr/lib/cni/host-local,
// v1.1.1) and ours, each on its own data directory; results, errors and the files left behind
// must agree. Known, documented differences are normalised away here and asserted separately:
// file modes (Go 1.1.1: 0644, newest and ours: 0600), `details` on our errors, the empty `dns`
// that cni v1.1.2 prints for 1.x results.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkLeaks, type CniEnv, comparable, goImpl, type Impl, runSync, tempPaths, testEnv, tsImpl } from '@cni-ts/testkit';
import { beforeAll, describe, expect, it } from 'vitest';

checkLeaks();

let ours: Impl;
const go = goImpl('host-local');
beforeAll(async () => {
  ours = await tsImpl('host-local');
});
const temp = tempPaths();
const tmp = (tag: string) => temp.dir(`hl-${tag}`);

/** name -> content of every file in the network directory. */
function state(dataDir: string, net: string): Record<string, string> {
  const dir = join(dataDir, net);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return {};
  }
  return Object.fromEntries(names.toSorted().map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
}

type Step = { env: Omit<CniEnv, 'netns'>; conf: (dataDir: string) => unknown };

/** Runs the steps on both implementations; returns the normalised outputs and final states. */
function both(net: string, steps: Step[]) {
  const env = testEnv();
  const out: Record<'go' | 'ts', { outputs: unknown[]; state: Record<string, string>; dataDir: string }> = {} as never;
  for (const impl of [go, ours]) {
    const dataDir = tmp(impl.name);
    const outputs = steps.map((s) => comparable(runSync(impl, { ...s.env, netns: env.container.path }, s.conf(dataDir))));
    out[impl.name] = { outputs, state: state(dataDir, net), dataDir };
  }
  return out;
}

const cfg = (net: string, ipam: Record<string, unknown>, extra: Record<string, unknown> = {}, cniVersion = '1.0.0') =>
  (dataDir: string) => ({ cniVersion, name: net, type: 'bridge', ipam: { type: 'host-local', dataDir, ...ipam }, ...extra });

const add = (id: string, conf: Step['conf'], more: Partial<CniEnv> = {}): Step => ({ env: { command: 'ADD', containerId: id, ...more }, conf });
const del = (id: string, conf: Step['conf'], more: Partial<CniEnv> = {}): Step => ({ env: { command: 'DEL', containerId: id, ...more }, conf });
const chk = (id: string, conf: Step['conf'], more: Partial<CniEnv> = {}): Step => ({ env: { command: 'CHECK', containerId: id, ...more }, conf });

function expectSame(r: ReturnType<typeof both>) {
  expect(r.ts.outputs).toEqual(r.go.outputs);
  expect(r.ts.state).toEqual(r.go.state);
}

describe('host-local vs Go oracle', () => {
  it('sequential ADDs, exhaustion, round-robin after DEL, DEL of everything', () => {
    const c = cfg('seq', { subnet: '10.40.0.0/29' });
    const r = both('seq', [
      ...['c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((id) => add(id, c)),
      del('c2', c),
      add('c7', c),
      add('c8', c),
      del('c1', c),
      add('c9', c),
      ...['c3', 'c4', 'c5', 'c7', 'c9', 'c9', 'nope'].map((id) => del(id, c)),
    ]);
    expectSame(r);
    expect(r.go.outputs[5]).toEqual({ exit: 1, code: 999, msg: 'failed to allocate for range 0: no IP addresses available in range set: 10.40.0.1-10.40.0.6' });
    expect(Object.keys(r.ts.state)).toEqual(['last_reserved_ip.0', 'lock']);
  });

  it('dual stack, several ranges per set, gateway elsewhere, files and modes', () => {
    const c = cfg('dual', {
      ranges: [
        [
          { subnet: '10.41.0.0/24', rangeStart: '10.41.0.253', gateway: '10.41.0.254' },
          { subnet: '10.41.1.0/30', gateway: '10.41.1.2' },
        ],
        [{ subnet: 'fd00:41::/126' }],
      ],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0', gw: 'fd00:41::1' }, { dst: '10.9.0.5/16', gw: '::ffff:10.41.0.254' }],
    });
    const r = both('dual', [add('c1', c), add('c2', c), add('c3', c), add('c4', c), chk('c1', c), chk('zz', c), del('c1', c), add('c5', c), add('c1', c, { ifname: 'eth1' })]);
    expectSame(r);
    const dir = join(r.ts.dataDir, 'dual');
    expect(statSync(join(dir, '10.41.0.253')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'last_reserved_ip.0')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'lock')).mode & 0o777).toBe(0o750);
  });

  it('requested addresses: CNI_ARGS, args.cni.ips, runtimeConfig.ips, ipRanges', () => {
    const base = { ranges: [[{ subnet: '10.42.0.0/24' }], [{ subnet: 'fd00:42::/64' }]] };
    const r = both('req', [
      add('c1', cfg('req', base), { args: 'IgnoreUnknown=1;K8S_POD_NAME=p;IP=10.42.0.50' }),
      add('c2', cfg('req', base, { args: { cni: { ips: ['10.42.0.60/24', 'fd00:42::60'] } } })),
      add('c3', cfg('req', base, { runtimeConfig: { ips: ['fd00:42::70/64'] } })),
      add('c4', cfg('req', base), { args: 'IP=10.42.0.50' }),
      add('c5', cfg('req', base), { args: 'IP=10.42.0.1' }),
      add('c6', cfg('req', base, { runtimeConfig: { ips: ['10.99.0.1'] } })),
      add('c7', cfg('req', base, { runtimeConfig: { ipRanges: [[{ subnet: '10.43.0.0/24', rangeStart: '10.43.0.100' }]] } })),
      add('c8', cfg('req', base)),
      del('c7', cfg('req', base)),
    ]);
    expectSame(r);
  });

  it('DEL across the directory and legacy id-only files', () => {
    const dual = cfg('legacy', { ranges: [[{ subnet: '10.44.0.0/24' }], [{ subnet: 'fd00:44::/64' }]] });
    const v4 = cfg('legacy', { subnet: '10.44.0.0/24' });
    const steps: Step[] = [add('c1', dual), del('c1', v4), add('c2', v4), chk('c2', v4, { ifname: 'other' })];
    const r = both('legacy', steps);
    expectSame(r);
    // legacy files written by old plugins: bare container id
    for (const impl of ['go', 'ts'] as const) writeFileSync(join(r[impl].dataDir, 'legacy', '10.44.0.200'), 'old');
    const env = testEnv();
    for (const impl of [go, ours]) {
      const conf = dual(r[impl.name].dataDir);
      expect(comparable(runSync(impl, { command: 'CHECK', containerId: 'old', netns: env.container.path }, conf))).toEqual({ exit: 0 });
      expect(comparable(runSync(impl, { command: 'DEL', containerId: 'old', netns: env.container.path }, conf))).toEqual({ exit: 0 });
    }
    expect(state(r.ts.dataDir, 'legacy')).toEqual(state(r.go.dataDir, 'legacy'));
  });

  it('result versions 0.2.0, 0.3.1, 0.4.0', () => {
    const steps = ['0.2.0', '0.3.1', '0.4.0'].map((v, i) => add(`c${i}`, cfg(`v${i}`, { subnet: '10.45.0.0/24', routes: [{ dst: '0.0.0.0/0' }] }, {}, v)));
    expect(both('v0', steps).ts.outputs).toEqual(both('v0', steps).go.outputs);
  });

  it('case-insensitive keys and duplicate keys', () => {
    const text = (dataDir: string) =>
      `{"cniVersion":"1.0.0","name":"ci","IPAM":{"TYPE":"host-local","SUBNET":"10.46.0.0/24","RangeSTART":"10.46.0.9","datadir":${JSON.stringify(dataDir)},"rangeStart":"10.46.0.20"}}`;
    expectSame(both('ci', [{ env: { command: 'ADD', containerId: 'c1' }, conf: text }]));
  });

  const bad: [string, Record<string, unknown>, Record<string, unknown>?, string?][] = [
    ['/32', { subnet: '10.50.0.0/32' }],
    ['/31', { subnet: '10.50.0.0/31' }],
    ['host bits', { subnet: '10.50.0.1/24' }],
    ['rangeStart outside', { subnet: '10.50.0.0/24', rangeStart: '10.51.0.1' }],
    ['rangeEnd outside', { subnet: '10.50.0.0/24', rangeEnd: '10.51.0.1' }],
    ['start after end', { subnet: '10.50.0.0/24', rangeStart: '10.50.0.100', rangeEnd: '10.50.0.50' }],
    ['malformed IP', { subnet: '10.50.0.0/24', gateway: 'zz' }],
    ['malformed CIDR', { subnet: '10.50.0.0/33' }],
    ['null subnet', { subnet: null }],
    ['range without subnet', { ranges: [[{ rangeStart: '10.50.0.1' }]] }],
    ['empty set', { ranges: [[]] }],
    ['mixed families', { ranges: [[{ subnet: '10.50.0.0/24' }, { subnet: 'fd00::/64' }]] }],
    ['overlap in set', { ranges: [[{ subnet: '10.50.0.0/24' }, { subnet: '10.50.0.0/25' }]] }],
    ['overlapping sets', { ranges: [[{ subnet: '10.50.0.0/24' }], [{ subnet: '10.50.0.128/25' }]] }],
    ['no ranges', {}],
    ['ranges wrong type', { ranges: 'x' }],
    ['rangeStart wrong type', { ranges: [[{ subnet: '10.50.0.0/24', rangeStart: 5 }]] }],
    ['dataDir wrong type', { subnet: '10.50.0.0/24', dataDir: 5 }],
    ['v4-mapped subnet', { ranges: [[{ subnet: '::ffff:10.50.0.0/120' }]] }],
    ['bad route', { subnet: '10.50.0.0/24', routes: [{ dst: 'x' }] }],
    ['missing resolvConf', { subnet: '10.50.0.0/24', resolvConf: '/nonexistent/resolv.conf' }],
    ['runtime ips bad', { subnet: '10.50.0.0/24' }, { runtimeConfig: { ips: ['zz'] } }],
    ['two v4 sets at 0.2.0', { ranges: [[{ subnet: '10.50.0.0/24' }], [{ subnet: '10.51.0.0/24' }]] }, {}, '0.2.0'],
  ];

  it.each(bad)('bad config: %s', (_, ipam, extra = {}, version = '1.0.0') => {
    const c = (dataDir: string) => {
      const conf = cfg('bad', ipam, extra, version)(dataDir) as { ipam: Record<string, unknown> };
      if (!('dataDir' in ipam)) conf.ipam.dataDir = dataDir;
      return conf;
    };
    const r = both('bad', [add('c1', c), del('c1', c)]);
    expectSame(r);
    expect((r.go.outputs[0] as { exit: number }).exit).toBe(1);
  });

  it.each([
    ['FOO=bar'],
    ['ip=10.52.0.5'],
    ['IP=zz'],
    ['IP=10.52.0.5=x'],
    ['IgnoreUnknown=maybe;IP=10.52.0.5'],
    ['IP='],
  ])('CNI_ARGS %s', (args) => {
    const c = cfg('args', { subnet: '10.52.0.0/24' });
    expectSame(both('args', [add('c1', c, { args }), del('c1', c, { args })]));
  });

  it('no ipam key, missing env, bad container id', () => {
    const noIpam = () => ({ cniVersion: '1.0.0', name: 'x', type: 'bridge' });
    const c = cfg('env', { subnet: '10.53.0.0/24' });
    expectSame(
      both('env', [
        { env: { command: 'ADD', containerId: 'c1' }, conf: noIpam },
        { env: { command: 'ADD', containerId: '' }, conf: c },
        { env: { command: 'ADD', containerId: '-bad' }, conf: c },
        { env: { command: 'ADD', containerId: 'c1', ifname: '' }, conf: c },
        { env: { command: 'DEL', containerId: 'c1' }, conf: noIpam },
        { env: { command: 'CHECK', containerId: 'c1' }, conf: cfg('env', { subnet: '10.53.0.0/24' }, {}, '0.3.1') },
      ]),
    );
  });
});
