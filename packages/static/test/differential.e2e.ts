// Differential tests: the same calls against the Go oracle (/usr/lib/cni/static, v1.1.1) and ours.
// Normalised differences (documented in docs/compat.md): `details` on our errors, the empty `dns`
// that cni v1.1.2 prints for 1.x results, and route fields beyond dst/gw, which the oracle's cni
// library drops while newest upstream (and we) keep them.
import { checkLeaks, type CniEnv, comparable, goImpl, type Impl, type RunResult, runSync, testEnv, tsImpl } from '@cni-ts/testkit';
import { beforeAll, describe, expect, it } from 'vitest';

checkLeaks();

let ours: Impl;
const go = goImpl('static');
beforeAll(async () => {
  ours = await tsImpl('static');
});

/** `comparable`, with route fields beyond dst/gw (which the oracle's cni library drops) left out. */
function normal(r: RunResult): unknown {
  const out = comparable(r) as Record<string, unknown>;
  if (Array.isArray(out.routes)) out.routes = out.routes.map(({ dst, gw }: { dst: string; gw?: string }) => (gw ? { dst, gw } : { dst }));
  return out;
}

function same(env: Omit<CniEnv, 'netns'>, conf: unknown) {
  const { container } = testEnv();
  const g = normal(runSync(go, { ...env, netns: container.path }, conf));
  const t = normal(runSync(ours, { ...env, netns: container.path }, conf));
  expect(t).toEqual(g);
  return g;
}

const conf = (ipam: Record<string, unknown>, extra: Record<string, unknown> = {}, cniVersion = '1.0.0') => ({
  cniVersion,
  name: 'st',
  type: 'macvlan',
  ipam: { type: 'static', ...ipam },
  ...extra,
});

const addrs = {
  addresses: [
    { address: '10.70.0.1/24', gateway: '10.70.0.254' },
    { address: '3FFE:FFFF:0:01FF::1/64', gateway: '3ffe:ffff:0::1' },
  ],
  routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.5/16', gw: '10.70.5.1', mtu: 1400 }],
  dns: { nameservers: ['8.8.8.8'], domain: 'example.com', search: ['example.com'], options: ['ndots:2'], bogus: 1 },
};

describe('static vs Go oracle', () => {
  it.each(['0.1.0', '0.2.0', '0.3.1', '0.4.0', '1.0.0'])('ADD, cniVersion %s', (v) => {
    const one = { addresses: [addrs.addresses[0]], routes: addrs.routes, dns: addrs.dns };
    same({ command: 'ADD', containerId: 'c1' }, conf(v < '0.3.0' ? one : addrs, {}, v));
  });

  it.each([
    ['IP + GATEWAY appended', 'IP=10.71.0.5/24, 10.72.0.5/16;GATEWAY=10.71.0.1,10.70.0.200', {}],
    ['IgnoreUnknown', 'IgnoreUnknown=1;K8S_POD_NAME=p;IP=10.71.0.5/24', {}],
    ['args replaces', 'IP=10.71.0.5/24', { args: { cni: { ips: ['10.73.0.1/24', 'fd00:73::1/64'] } } }],
    ['runtimeConfig replaces', 'IP=10.71.0.5/24', { args: { cni: { ips: ['10.73.0.1/24'] } }, runtimeConfig: { ips: ['10.74.0.1/24'] } }],
    ['empty args list keeps the rest', '', { args: { cni: { ips: [] } }, runtimeConfig: { ips: [] } }],
  ])('%s', (_, args, extra) => {
    same({ command: 'ADD', containerId: 'c1', args }, conf(addrs, extra));
  });

  it('no addresses at all', () => {
    expect(same({ command: 'ADD', containerId: 'c1' }, conf({}))).toEqual({ exit: 0, cniVersion: '1.0.0' });
  });

  it.each([
    ['IP not CIDR', 'IP=10.71.0.5', {}, {}],
    ['bad GATEWAY', 'GATEWAY=zz', {}, {}],
    ['unknown arg', 'ip=10.71.0.5/24', {}, {}],
    ['pair without =', 'IP', {}, {}],
    ['address not CIDR', '', { addresses: [{ address: '10.70.0.1' }] }, {}],
    ['empty address', '', { addresses: [{}] }, {}],
    ['bad gateway', '', { addresses: [{ address: '10.70.0.1/24', gateway: 'zz' }] }, {}],
    ['addresses wrong type', '', { addresses: 'x' }, {}],
    ['Address key', '', { addresses: [{ Address: '10.70.0.1/24' }] }, {}],
    ['runtime ips not CIDR', '', {}, { runtimeConfig: { ips: ['10.1.0.1'] } }],
    ['args ips not CIDR', '', {}, { args: { cni: { ips: ['zz'] } } }],
    ['bad route', '', { routes: [{ dst: '10.0.0.0/33' }] }, {}],
  ])('bad input: %s', (_, args, ipam, extra) => {
    expect(same({ command: 'ADD', containerId: 'c1', args }, conf(ipam, extra))).toMatchObject({ exit: 1 });
  });

  it('no ipam key; two v4 addresses at 0.2.0', () => {
    same({ command: 'ADD', containerId: 'c1' }, { cniVersion: '1.0.0', name: 'st', type: 'x' });
    same({ command: 'ADD', containerId: 'c1' }, conf({ addresses: [{ address: '10.70.0.1/24' }, { address: '10.71.0.1/24' }] }, {}, '0.2.0'));
  });

  it('DEL succeeds even with a bad ipam section', () => {
    same({ command: 'DEL', containerId: 'c1' }, conf(addrs));
    same({ command: 'DEL', containerId: 'c1' }, conf({ addresses: 'x' }));
    same({ command: 'DEL', containerId: 'c1' }, { cniVersion: '1.0.0', name: 'st', type: 'x' });
  });

  it('CHECK against prevResult', () => {
    const prev = (gw: string) => ({
      cniVersion: '1.0.0',
      ips: [{ address: '10.70.0.1/24', gateway: gw }],
    });
    same({ command: 'CHECK', containerId: 'c1' }, conf(addrs, { prevResult: prev('10.70.0.254') }));
    same({ command: 'CHECK', containerId: 'c1' }, conf(addrs, { prevResult: prev('10.70.0.1') }));
    same({ command: 'CHECK', containerId: 'c1' }, conf(addrs));
    same({ command: 'CHECK', containerId: 'c1' }, conf(addrs, { prevResult: { cniVersion: '1.0.0' } }));
  });
});
