// route-override where upstream is wrong, and what we do instead (docs/compat.md, section
// route-override), plus the cases its tests do not cover.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLeaks, must, routes, testEnv, type TestEnv } from '@cni-ts/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { call, type Call, ours } from './harness';

checkLeaks(['/run/cni/route-override']);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ts = ours();

/** eth0 (veth, peer up) with 10.0.0.2/24, 2001:db8:1::2/64; default routes via .1 / ::1, 30.0.0.0/24 via .1. */
function setup(): TestEnv & { dataDir: string } {
  const env = testEnv();
  const ip = (...a: string[]) => must('ip', ['-n', env.container.name, ...a]);
  ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0');
  ip('link', 'set', 'peer0', 'up');
  ip('link', 'set', 'eth0', 'up');
  ip('addr', 'add', '10.0.0.2/24', 'dev', 'eth0');
  ip('addr', 'add', '2001:db8:1::2/64', 'dev', 'eth0', 'nodad');
  ip('route', 'add', 'default', 'via', '10.0.0.1');
  ip('route', 'add', '30.0.0.0/24', 'via', '10.0.0.1');
  ip('-6', 'route', 'add', 'default', 'via', '2001:db8:1::1');
  const dataDir = mkdtempSync(join(tmpdir(), 'cnits-ro-'));
  dirs.push(dataDir);
  return { ...env, dataDir };
}

const PREV = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/var/run/netns/x' }],
  ips: [
    { interface: 0, address: '10.0.0.2/24', gateway: '10.0.0.1' },
    { interface: 0, address: '2001:db8:1::2/64', gateway: '2001:db8:1::1' },
  ],
  routes: [{ dst: '0.0.0.0/0' }, { dst: '30.0.0.0/24' }, { dst: '::/0' }],
};

const conf = (env: { dataDir: string }, extra: Record<string, unknown>, prevResult: unknown = PREV) => ({
  cniVersion: '1.0.0',
  name: 'ro',
  type: 'route-override',
  dataDir: env.dataDir,
  ...extra,
  ...(prevResult !== null && { prevResult }),
});

function run(env: TestEnv, command: string, stdin: unknown, more: Partial<Call> = {}) {
  return call(ts, env.host, { command, netns: env.container.path, ...more }, stdin);
}

function kernel(env: TestEnv, family: 4 | 6 = 4): string[] {
  return routes(env.container.name, family)
    .filter((r) => !r.dst.startsWith('fe80'))
    .map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${r.dev}`)
    .toSorted();
}

function ok(env: TestEnv, c: unknown, more: Partial<Call> = {}) {
  const r = run(env, 'ADD', c, more);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.json as { ips: { gateway?: string }[]; routes?: { dst: string; gw?: string }[] };
}

describe('route-override: fixes and edge cases', () => {
  it('delroutes of a default route removes it from the kernel too (upstream: result only)', () => {
    const env = setup();
    const r = ok(env, conf(env, { delroutes: [{ dst: '0.0.0.0/0' }] }));
    expect(r.routes).toEqual([{ dst: '30.0.0.0/24' }, { dst: '::/0' }]);
    expect(kernel(env)).toEqual(['10.0.0.0/24 dev eth0', '30.0.0.0/24 via 10.0.0.1 dev eth0']);
    expect(kernel(env, 6)).toEqual(['2001:db8:1::/64 dev eth0', 'default via 2001:db8:1::1 dev eth0']);
    expect(run(env, 'CHECK', conf(env, { delroutes: [{ dst: '0.0.0.0/0' }] }, { ...PREV, routes: r.routes })).code).toBe(0);
  });

  it('delroutes of a route prevResult does not list still deletes it (upstream: nothing)', () => {
    const env = setup();
    must('ip', ['-n', env.container.name, 'route', 'add', '40.0.0.0/24', 'via', '10.0.0.1']);
    const r = ok(env, conf(env, { delroutes: [{ dst: '40.0.0.7/24' }] }));
    expect(r.routes).toEqual(PREV.routes);
    expect(kernel(env)).not.toContain('40.0.0.0/24 via 10.0.0.1 dev eth0');
  });

  it('no prevResult: a CNI error (upstream panics)', () => {
    const env = setup();
    expect(run(env, 'ADD', conf(env, {}, null)).json).toEqual({ code: 999, msg: 'Required prevResult missing' });
  });

  it('`args` without `cni`: nothing to override (upstream panics)', () => {
    const env = setup();
    const r = ok(env, conf(env, { args: { other: 1 }, flushgateway: true }));
    expect(r.ips.map((i) => i.gateway)).toEqual(['0.0.0.0', '::']);
    expect(kernel(env)).toEqual(['10.0.0.0/24 dev eth0', '30.0.0.0/24 via 10.0.0.1 dev eth0']);
    expect(kernel(env, 6)).toEqual(['2001:db8:1::/64 dev eth0']);
  });

  it('DEL undoes ADD: added routes go, deleted routes come back; then it is a no-op', () => {
    const env = setup();
    const before = [kernel(env), kernel(env, 6)];
    const c = conf(env, { flushroutes: true, addroutes: [{ dst: '192.168.9.0/24', gw: '10.0.0.254' }, { dst: '2001:db8:9::/64' }] });
    const r = ok(env, c);
    expect(r.routes).toEqual([{ dst: '192.168.9.0/24', gw: '10.0.0.254' }, { dst: '2001:db8:9::/64' }]);
    expect(kernel(env)).toEqual(['10.0.0.0/24 dev eth0', '192.168.9.0/24 via 10.0.0.254 dev eth0']);
    expect(kernel(env, 6)).toEqual(['2001:db8:1::/64 dev eth0', '2001:db8:9::/64 via 2001:db8:1::1 dev eth0']);
    expect(readdirSync(env.dataDir)).toEqual(['ctr1_eth0.json']);
    expect(run(env, 'CHECK', conf(env, { flushroutes: true, addroutes: [{ dst: '192.168.9.0/24', gw: '10.0.0.254' }, { dst: '2001:db8:9::/64' }] }, { ...PREV, routes: r.routes })).code).toBe(0);
    expect(run(env, 'DEL', c).code).toBe(0);
    expect([kernel(env), kernel(env, 6)]).toEqual(before);
    expect(readdirSync(env.dataDir)).toEqual([]);
    expect(run(env, 'DEL', c)).toMatchObject({ code: 0, stdout: '' });
  });

  it('DEL when the netns is gone or not given removes the record and succeeds', () => {
    const env = setup();
    const c = conf(env, { addroutes: [{ dst: '192.168.9.0/24' }] });
    ok(env, c);
    expect(call(ts, env.host, { command: 'DEL', netns: '' }, c).code).toBe(0);
    expect(readdirSync(env.dataDir)).toEqual([]);
    ok(env, conf(env, { addroutes: [{ dst: '192.168.10.0/24' }] }));
    expect(call(ts, env.host, { command: 'DEL', netns: '/run/netns/cnits-gone' }, c).code).toBe(0);
    expect(readdirSync(env.dataDir)).toEqual([]);
    // DEL never fails on a config ADD would refuse
    expect(run(env, 'DEL', conf(env, { flushroutes: 'yes' })).code).toBe(0);
  });

  it('a route that cannot be added fails ADD and puts back what was deleted', () => {
    const env = setup();
    const before = [kernel(env), kernel(env, 6)];
    const r = run(env, 'ADD', conf(env, { flushroutes: true, addroutes: [{ dst: '192.168.9.0/24', gw: '172.16.0.1' }] }));
    expect(r.json).toEqual({
      code: 999,
      msg: "failed to override routes: failed to add route '192.168.9.0/24 via 172.16.0.1 dev eth0': network is unreachable: Nexthop has invalid gateway",
    });
    expect([kernel(env), kernel(env, 6)]).toEqual(before);
    expect(readdirSync(env.dataDir)).toEqual([]);
  });

  it('a repeated ADD is idempotent; another route to an added destination is an error', () => {
    const env = setup();
    const c = conf(env, { addroutes: [{ dst: '192.168.9.0/24', gw: '10.0.0.254' }] });
    ok(env, c);
    const again = ok(env, c);
    expect(again.routes!.filter((x) => x.dst === '192.168.9.0/24')).toHaveLength(1);
    const other = run(env, 'ADD', conf(env, { addroutes: [{ dst: '192.168.9.0/24', gw: '10.0.0.253' }] }));
    expect(other.json?.msg).toBe("failed to override routes: failed to add route '192.168.9.0/24 via 10.0.0.253 dev eth0': another route to 192.168.9.0/24 exists");
    expect(run(env, 'DEL', c).code).toBe(0);
    expect(kernel(env)).not.toContain('192.168.9.0/24 via 10.0.0.254 dev eth0');
  });

  it('prevResult without interfaces: works on CNI_IFNAME (upstream: eth0, or a panic with addroutes)', () => {
    const env = setup();
    must('ip', ['-n', env.container.name, 'link', 'set', 'eth0', 'name', 'net1']);
    const prev = { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24', gateway: '10.0.0.1' }], routes: [{ dst: '0.0.0.0/0' }] };
    const r = ok(env, conf(env, { flushgateway: true, addroutes: [{ dst: '192.168.9.0/24', gw: '10.0.0.1' }] }, prev), { ifname: 'net1' });
    expect(r.routes).toEqual([{ dst: '192.168.9.0/24', gw: '10.0.0.1' }]);
    expect(kernel(env)).toEqual(['10.0.0.0/24 dev net1', '192.168.9.0/24 via 10.0.0.1 dev net1', '30.0.0.0/24 via 10.0.0.1 dev net1']);
  });

  it('a sandbox interface of prevResult missing from the container is an error', () => {
    const env = setup();
    const prev = { ...PREV, interfaces: [{ name: 'net9', sandbox: '/x' }] };
    expect(run(env, 'ADD', conf(env, { flushroutes: true }, prev)).json?.msg).toBe(
      'failed to override routes: failed to find interface "net9" in the container: Link not found',
    );
  });

  it('flushroutes keeps in the result what stays in the kernel (a route without gateway)', () => {
    const env = setup();
    must('ip', ['-n', env.container.name, 'route', 'add', '50.0.0.0/24', 'dev', 'eth0']);
    const prev = { ...PREV, ips: [PREV.ips[0]!, { interface: 0, address: '2001:db8:1::2/64' }], routes: [...PREV.routes, { dst: '50.0.0.0/24' }] };
    const r = ok(env, conf(env, { flushroutes: true }, prev));
    expect(r.routes).toEqual([{ dst: '50.0.0.0/24' }]);
  });

  it('the seed: addroutes 192.168.9.0/24 via 192.168.12.1 on top of a 192.168.12.0/24 address', () => {
    const env = setup();
    must('ip', ['-n', env.container.name, 'addr', 'add', '192.168.12.5/24', 'dev', 'eth0']);
    const prev = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: env.container.path }], ips: [{ interface: 0, address: '192.168.12.5/24', gateway: '192.168.12.1' }], routes: [{ dst: '0.0.0.0/0' }] };
    const r = ok(env, conf(env, { addroutes: [{ dst: '192.168.9.0/24', gw: '192.168.12.1' }] }, prev));
    expect(r).toEqual({ ...prev, routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.9.0/24', gw: '192.168.12.1' }] });
    expect(kernel(env)).toContain('192.168.9.0/24 via 192.168.12.1 dev eth0');
  });

  it('addroutes honour priority and table', () => {
    const env = setup();
    ok(env, conf(env, { addroutes: [{ dst: '192.168.9.0/24', priority: 50 }, { dst: '192.168.10.0/24', gw: '10.0.0.1', table: 100 }] }));
    expect(routes(env.container.name, 4).find((x) => x.dst === '192.168.9.0/24')).toMatchObject({ gateway: '10.0.0.1', metric: 50 });
    expect(routes(env.container.name, 4, '100')).toMatchObject([{ dst: '192.168.10.0/24', gateway: '10.0.0.1' }]);
    expect(run(env, 'DEL', conf(env, {})).code).toBe(0);
    expect(routes(env.container.name, 4, '100')).toEqual([]);
  });

  it('config errors name the field', () => {
    const env = setup();
    const msg = (c: Record<string, unknown>) => run(env, 'ADD', conf(env, c)).json;
    expect(msg({ flushroutes: 'yes' })).toEqual({
      code: 999,
      msg: 'failed to load netconf: json: cannot unmarshal string into Go struct field RouteOverrideConfig.flushroutes of type bool',
      details: 'flushroutes',
    });
    expect(msg({ addroutes: [{ dst: '10.0.0.0/33' }] })).toEqual({ code: 999, msg: 'failed to load netconf: addroutes[0].dst: invalid CIDR address: 10.0.0.0/33', details: 'addroutes[0].dst' });
    expect(msg({ args: { cni: { delroutes: [{ dst: '10.1.0.0/16', gw: 'x' }] } } })).toEqual({
      code: 999,
      msg: 'failed to load netconf: args.cni.delroutes[0].gw: invalid IP address: x',
      details: 'args.cni.delroutes[0].gw',
    });
    expect(existsSync(join(env.dataDir, 'ctr1_eth0.json'))).toBe(false);
  });

  it('GC (1.1.0) removes the records of attachments the runtime no longer lists, of this network only', () => {
    const env = setup();
    const mk = (name: string, dst: string) => ({ ...conf(env, { addroutes: [{ dst }] }), name, cniVersion: '1.1.0' });
    ok(env, mk('ro', '192.168.9.0/24'), { containerId: 'keep' });
    ok(env, mk('ro', '192.168.10.0/24'), { containerId: 'stale' });
    ok(env, mk('other', '192.168.11.0/24'), { containerId: 'foreign' });
    expect(readdirSync(env.dataDir).toSorted()).toEqual(['foreign_eth0.json', 'keep_eth0.json', 'stale_eth0.json']);
    const gc = { ...conf(env, {}, null), cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: 'keep', ifname: 'eth0' }] };
    const r = call(ts, env.host, { command: 'GC', netns: '', containerId: '', ifname: '' }, gc);
    expect(r, r.stdout).toMatchObject({ code: 0, stdout: '' });
    expect(readdirSync(env.dataDir).toSorted()).toEqual(['foreign_eth0.json', 'keep_eth0.json']);
    // without the list GC does nothing
    expect(call(ts, env.host, { command: 'GC', netns: '', containerId: '', ifname: '' }, { ...gc, 'cni.dev/valid-attachments': undefined }).code).toBe(0);
    expect(readdirSync(env.dataDir)).toHaveLength(2);
    for (const id of ['keep', 'foreign']) expect(run(env, 'DEL', mk(id === 'keep' ? 'ro' : 'other', '0.0.0.0/0'), { containerId: id }).code).toBe(0);
    expect(readdirSync(env.dataDir)).toEqual([]);
  });

  it('older result versions: 0.2.0 in, 0.2.0 out', () => {
    const env = setup();
    const prev = { cniVersion: '0.2.0', ip4: { ip: '10.0.0.2/24', gateway: '10.0.0.1', routes: [{ dst: '0.0.0.0/0' }, { dst: '30.0.0.0/24' }] } };
    const r = run(env, 'ADD', { ...conf(env, { delroutes: [{ dst: '30.0.0.0/24' }] }, prev), cniVersion: '0.2.0' });
    expect(r.json).toEqual({ cniVersion: '0.2.0', ip4: { ip: '10.0.0.2/24', gateway: '10.0.0.1', routes: [{ dst: '0.0.0.0/0' }] }, dns: {} });
  });
});
