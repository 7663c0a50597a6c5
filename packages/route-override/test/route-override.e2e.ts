// route-override end to end. There is no oracle of it on this machine, so the expectations
// come from its README and its upstream tests (openshift/route-override-cni
// cmd/route-override/route-override_test.go, which use a dummy link "dummy0" where we use a
// veth "eth0" because dummy is not built into this kernel):
//
// From the upstream tests ("operations by conf", cniVersion 0.3.1):
//   ipv4: passes prevResult through unchanged (kernel keeps default + 2 routes + the subnet route)
//   ipv4: flushroutes clears all routes (result routes empty; only the subnet route left)
//   ipv4: flushgateway clears gw routes (ips[].gateway 0.0.0.0; no default route)
//   ipv4: delroutes works (20.0.0.0/24 gone from kernel; default route stays in the result)
//   ipv4: addroutes works (20.0.0.0/24 appended to the result without gw; 4 kernel routes)
//   ipv6: the same five (link-local fe80::/64 kept by flushroutes)
//   mixed v4/v6: CHECK passes; CHECK fails when the kernel gateway differs; skipcheck
// From the upstream tests ("operations by args"): flushroutes, delroutes, addroutes via args.cni
// From the README: the example configuration (flushroutes + delroutes + addroutes of the same
//   destination, cniVersion 0.3.0); "If gw is omitted, value of gateway will be used"; the
//   process sequence flush routes -> flush gateway -> delroutes -> addroutes.
// Fixes of upstream behaviour (docs/compat.md): a deleted default route leaves the kernel too;
//   no prevResult or `args` without `cni` is an error or a no-op, not a panic; DEL undoes ADD;
//   kernel errors fail ADD and roll back.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'cnits-ro-'));
  dirs.push(d);
  return d;
}

const ts = ours();

/** A container with veth eth0 (peer peer0), both up, holding the upstream tests' addresses and routes. */
function setup(family: 4 | 6 | 'both', defaultGw4 = '10.0.0.1'): TestEnv & { dataDir: string } {
  const env = testEnv();
  const ns = env.container.name;
  const ip = (...a: string[]) => must('ip', ['-n', ns, ...a]);
  ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0');
  ip('link', 'set', 'peer0', 'up');
  ip('link', 'set', 'eth0', 'up');
  if (family !== 6) {
    ip('addr', 'add', '10.0.0.2/24', 'dev', 'eth0');
    ip('route', 'add', 'default', 'via', defaultGw4, 'dev', 'eth0');
    ip('route', 'add', '30.0.0.0/24', 'via', defaultGw4, 'dev', 'eth0');
    if (family === 4) ip('route', 'add', '20.0.0.0/24', 'via', '10.0.0.254', 'dev', 'eth0');
  }
  if (family !== 4) {
    ip('addr', 'add', '2001:db8:1::2/64', 'dev', 'eth0', 'nodad');
    ip('-6', 'route', 'add', 'default', 'via', '2001:db8:1::1', 'dev', 'eth0');
    ip('-6', 'route', 'add', '2001:db8:2::/64', 'via', '2001:db8:1::ffff', 'dev', 'eth0');
  }
  return { ...env, dataDir: tmp() };
}

const PREV4 = {
  cniVersion: '0.3.1',
  interfaces: [{ name: 'eth0', sandbox: 'netns' }],
  ips: [{ version: '4', address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 0 }],
  routes: [{ dst: '0.0.0.0/0' }, { dst: '30.0.0.0/24' }, { dst: '20.0.0.0/24', gw: '10.0.0.254' }],
};
const PREV6 = {
  cniVersion: '0.3.1',
  interfaces: [{ name: 'eth0', sandbox: 'netns' }],
  ips: [{ version: '6', address: '2001:db8:1::2/64', gateway: '2001:db8:1::1', interface: 0 }],
  routes: [{ dst: '::/0' }, { dst: '2001:db8:2::/64', gw: '2001:db8:1::ffff' }],
};
const PREV_MIXED = {
  cniVersion: '0.3.1',
  interfaces: [{ name: 'eth0', sandbox: 'netns' }],
  ips: [
    { version: '4', address: '10.0.0.2/24', gateway: '10.0.0.254', interface: 0 },
    { version: '6', address: '2001:DB8:1::2/64', gateway: '2001:DB8:1::1', interface: 0 },
  ],
  routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.254' }, { dst: '30.0.0.0/24' }, { dst: '::/0' }, { dst: '2001:DB8:2::/64', gw: '2001:DB8:1::ffff' }],
};

const conf = (env: { dataDir: string }, extra: Record<string, unknown>, prevResult: unknown = PREV4, cniVersion = '0.3.1') => ({
  cniVersion,
  name: 'test',
  type: 'route-override',
  dataDir: env.dataDir,
  ...extra,
  ...(prevResult !== null && { prevResult }),
});

function run(env: TestEnv, command: string, stdin: unknown, more: Partial<Call> = {}) {
  return call(ts, env.host, { command, netns: env.container.path, ...more }, stdin);
}

/** `dst via gw` of the container's main-table routes on eth0 (sorted). */
function kernel(env: TestEnv, family: 4 | 6): string[] {
  return routes(env.container.name, family)
    .filter((r) => r.dev === 'eth0')
    .map((r) => (r.gateway ? `${r.dst} via ${r.gateway}` : r.dst))
    .toSorted();
}

function add(env: TestEnv, c: unknown) {
  const r = run(env, 'ADD', c);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.json as { ips: { gateway?: string }[]; routes?: { dst: string; gw?: string }[]; interfaces: unknown[] };
}

describe('route-override: upstream tests, ipv4', () => {
  it('passes prevResult through unchanged', () => {
    const env = setup(4);
    const r = add(env, conf(env, {}));
    expect(r).toEqual({ ...PREV4, dns: {} });
    expect(kernel(env, 4)).toEqual(['10.0.0.0/24', '20.0.0.0/24 via 10.0.0.254', '30.0.0.0/24 via 10.0.0.1', 'default via 10.0.0.1']);
    expect(readdirSync(env.dataDir)).toEqual([]);
  });

  it('flushroutes clears all routes', () => {
    const env = setup(4);
    const r = add(env, conf(env, { flushroutes: true }));
    expect(r.routes).toBeUndefined();
    expect(r.ips).toEqual(PREV4.ips);
    expect(kernel(env, 4)).toEqual(['10.0.0.0/24']);
  });

  it('flushgateway clears gw routes', () => {
    const env = setup(4);
    const r = add(env, conf(env, { flushgateway: true }, { ...PREV4, routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }, ...PREV4.routes.slice(1)] }));
    expect(r.ips[0]!.gateway).toBe('0.0.0.0');
    expect(r.routes).toEqual([{ dst: '30.0.0.0/24' }, { dst: '20.0.0.0/24', gw: '10.0.0.254' }]);
    expect(kernel(env, 4)).toEqual(['10.0.0.0/24', '20.0.0.0/24 via 10.0.0.254', '30.0.0.0/24 via 10.0.0.1']);
  });

  it('delroutes works', () => {
    const env = setup(4);
    const r = add(env, conf(env, { delroutes: [{ dst: '20.0.0.0/24' }] }, { ...PREV4, routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }, ...PREV4.routes.slice(1)] }));
    expect(r.routes).toEqual([{ dst: '0.0.0.0/0', gw: '10.0.0.1' }, { dst: '30.0.0.0/24' }]);
    expect(kernel(env, 4)).toEqual(['10.0.0.0/24', '30.0.0.0/24 via 10.0.0.1', 'default via 10.0.0.1']);
  });

  it('addroutes works (a route without gw goes through the gateway, as the README says)', () => {
    const env = setup(4);
    must('ip', ['-n', env.container.name, 'route', 'del', '20.0.0.0/24']);
    const prev = {
      ...PREV4,
      ips: [{ version: '4', address: '10.0.0.2/24', gateway: '10.0.0.254', interface: 0 }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.254' }, { dst: '30.0.0.0/24' }],
    };
    const r = add(env, conf(env, { addroutes: [{ dst: '20.0.0.0/24' }] }, prev));
    expect(r.routes).toEqual([{ dst: '0.0.0.0/0', gw: '10.0.0.254' }, { dst: '30.0.0.0/24' }, { dst: '20.0.0.0/24' }]);
    expect(kernel(env, 4)).toEqual(['10.0.0.0/24', '20.0.0.0/24 via 10.0.0.254', '30.0.0.0/24 via 10.0.0.1', 'default via 10.0.0.1']);
  });
});

describe('route-override: upstream tests, ipv6', () => {
  it('passes prevResult through unchanged', () => {
    const env = setup(6);
    const r = add(env, conf(env, {}, PREV6));
    expect(r).toEqual({ ...PREV6, dns: {} });
    expect(kernel(env, 6)).toEqual(['2001:db8:1::/64', '2001:db8:2::/64 via 2001:db8:1::ffff', 'default via 2001:db8:1::1', 'fe80::/64']);
  });

  it('flushroutes clears all routes but the subnet and link-local ones', () => {
    const env = setup(6);
    const r = add(env, conf(env, { flushroutes: true }, PREV6));
    expect(r.routes).toBeUndefined();
    expect(kernel(env, 6)).toEqual(['2001:db8:1::/64', 'fe80::/64']);
  });

  it('flushgateway clears gw routes', () => {
    const env = setup(6);
    const r = add(env, conf(env, { flushgateway: true }, PREV6));
    expect(r.ips[0]!.gateway).toBe('::');
    expect(r.routes).toEqual([{ dst: '2001:db8:2::/64', gw: '2001:db8:1::ffff' }]);
    expect(kernel(env, 6)).toEqual(['2001:db8:1::/64', '2001:db8:2::/64 via 2001:db8:1::ffff', 'fe80::/64']);
  });

  it('delroutes works (destinations compare as addresses: 2001:DB8:2::/64)', () => {
    const env = setup(6);
    const r = add(env, conf(env, { delroutes: [{ dst: '2001:DB8:2::/64' }] }, PREV6));
    expect(r.routes).toEqual([{ dst: '::/0' }]);
    expect(kernel(env, 6)).toEqual(['2001:db8:1::/64', 'default via 2001:db8:1::1', 'fe80::/64']);
  });

  it('addroutes works', () => {
    const env = setup(6);
    must('ip', ['-n', env.container.name, '-6', 'route', 'del', '2001:db8:2::/64']);
    const prev = { ...PREV6, routes: [{ dst: '::/0' }] };
    const r = add(env, conf(env, { addroutes: [{ dst: '2001:db8:2::/64', gw: '2001:db8:1::fffe' }] }, prev));
    expect(r.routes).toEqual([{ dst: '::/0' }, { dst: '2001:db8:2::/64', gw: '2001:db8:1::fffe' }]);
    expect(kernel(env, 6)).toEqual(['2001:db8:1::/64', '2001:db8:2::/64 via 2001:db8:1::fffe', 'default via 2001:db8:1::1', 'fe80::/64']);
  });
});

// Upstream calls cmdCheck directly with 0.3.1 configs; through the skeleton CHECK needs 0.4.0+.
const mixed = (env: { dataDir: string }, extra: Record<string, unknown> = {}) => conf(env, { addroutes: [{ dst: '20.0.0.0/24' }], ...extra }, PREV_MIXED, '0.4.0');

describe('route-override: upstream tests, mixed v4/v6 CHECK', () => {
  const c = mixed;

  it("passes cni's check command", () => {
    const env = setup('both', '10.0.0.254');
    add(env, c(env));
    const r = run(env, 'CHECK', c(env));
    expect(r.code, r.stdout).toBe(0);
  });

  it("fails cni's check command when the kernel's gateway differs", () => {
    const env = setup('both', '10.0.0.1');
    add(env, c(env));
    const r = run(env, 'CHECK', c(env));
    expect(r.json).toMatchObject({ code: 999, msg: 'route-override: failed to match route: 0.0.0.0/0 via 10.0.0.254: kernel has gateway 10.0.0.1' });
  });

  it("skips cni's check command", () => {
    const env = setup('both', '10.0.0.1');
    add(env, c(env, { skipcheck: true }));
    expect(run(env, 'CHECK', c(env, { skipcheck: true })).code).toBe(0);
  });
});

describe('route-override: upstream tests, operations by args', () => {
  it('flushroutes', () => {
    const env = setup(4);
    const r = add(env, conf(env, { args: { cni: { flushroutes: true } } }));
    expect(r.routes).toBeUndefined();
    expect(kernel(env, 4)).toEqual(['10.0.0.0/24']);
  });

  it('delroutes', () => {
    const env = setup(4);
    const r = add(env, conf(env, { delroutes: [{ dst: '30.0.0.0/24' }], args: { cni: { delroutes: [{ dst: '20.0.0.0/24' }] } } }));
    expect(r.routes).toEqual([{ dst: '0.0.0.0/0' }, { dst: '30.0.0.0/24' }]);
    expect(kernel(env, 4)).toEqual(['10.0.0.0/24', '30.0.0.0/24 via 10.0.0.1', 'default via 10.0.0.1']);
  });

  it('addroutes', () => {
    const env = setup(4);
    must('ip', ['-n', env.container.name, 'route', 'del', '20.0.0.0/24']);
    const prev = { ...PREV4, routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.254' }, { dst: '30.0.0.0/24' }] };
    const r = add(env, conf(env, { args: { cni: { addroutes: [{ dst: '20.0.0.0/24' }] } } }, prev));
    expect(r.routes).toEqual([...prev.routes, { dst: '20.0.0.0/24' }]);
    expect(kernel(env, 4)).toEqual(['10.0.0.0/24', '20.0.0.0/24 via 10.0.0.1', '30.0.0.0/24 via 10.0.0.1', 'default via 10.0.0.1']);
  });
});

describe('route-override: README', () => {
  it('the example configuration: flush, then delete and re-add 192.168.0.0/24 through another gateway', () => {
    const env = setup(4);
    must('ip', ['-n', env.container.name, 'addr', 'add', '10.1.0.2/16', 'dev', 'eth0']);
    must('ip', ['-n', env.container.name, 'route', 'add', '192.168.0.0/24', 'via', '10.0.0.1']);
    const prev = { cniVersion: '0.3.0', interfaces: [{ name: 'eth0', sandbox: '/var/run/netns/x' }], ips: [{ version: '4', address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 0 }], routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/24' }] };
    const c = conf(env, { flushroutes: true, delroutes: [{ dst: '192.168.0.0/24' }], addroutes: [{ dst: '192.168.0.0/24', gw: '10.1.254.254' }] }, prev, '0.3.0');
    const r = add(env, c);
    expect(r.routes).toEqual([{ dst: '192.168.0.0/24', gw: '10.1.254.254' }]);
    expect(kernel(env, 4)).toEqual(['10.0.0.0/24', '10.1.0.0/16', '192.168.0.0/24 via 10.1.254.254']);
    const chk = run(env, 'CHECK', { ...c, cniVersion: '0.4.0', prevResult: { ...r, cniVersion: '0.4.0' } });
    expect(chk.code, chk.stdout).toBe(0);
  });
});
