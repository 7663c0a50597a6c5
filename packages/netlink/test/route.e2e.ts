import { describe, expect, it } from 'vitest';
import { checkLeaks, ipJson, routes, testEnv } from '@cni-ts/testkit';
import { isExist, isNotFound, openHandle } from '../src/index';

function setup() {
  const env = testEnv();
  env.hostLink('rt0', 'rt1');
  const h = openHandle(env.host.path);
  h.addrAdd('rt0', '10.20.0.2/24');
  h.addrAdd('rt0', { address: 'fd00:20::2/64', noDad: true });
  return { env, h };
}

describe('routes', () => {
  checkLeaks();

  it('adds IPv4 routes with gateway, metric, table, protocol, scope, mtu, advmss, src and onlink', () => {
    const { env, h } = setup();
    try {
      h.routeAdd({ dst: '10.21.0.0/16', gateway: '10.20.0.1', oif: 'rt0', priority: 100 });
      h.routeAdd({ dst: '10.22.0.0/16', gateway: '10.99.0.1', oif: 'rt0', onlink: true, table: 100, protocol: 'static', mtu: 1400, advmss: 1360 });
      h.routeAdd({ dst: '10.23.0.0/16', oif: 'rt0', scope: 'link', src: '10.20.0.2' });
      h.routeAdd({ dst: 'default', gateway: '10.20.0.1', oif: 'rt0' });
      h.routeAdd({ dst: '10.24.0.0/16', type: 'blackhole', table: 1000 });
      const main = routes(env.host.name, 4);
      expect(main).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ dst: 'default', gateway: '10.20.0.1', dev: 'rt0', protocol: 'boot' }),
          expect.objectContaining({ dst: '10.21.0.0/16', gateway: '10.20.0.1', dev: 'rt0', metric: 100, protocol: 'boot' }),
          expect.objectContaining({ dst: '10.23.0.0/16', dev: 'rt0', scope: 'link', prefsrc: '10.20.0.2' }),
        ]),
      );
      const [t100] = routes(env.host.name, 4, '100');
      expect(t100).toMatchObject({ dst: '10.22.0.0/16', gateway: '10.99.0.1', protocol: 'static', flags: ['onlink'] });
      expect(t100!.metrics).toEqual([{ mtu: 1400, advmss: 1360 }]);
      expect(routes(env.host.name, 4, '1000')).toEqual([expect.objectContaining({ type: 'blackhole', dst: '10.24.0.0/16' })]);

      const ours = h.routeList({ family: 4 });
      expect(ours.map((r) => r.dst ?? 'default').toSorted()).toEqual(main.map((r) => r.dst).toSorted());
      expect(h.routeList({ table: 100 })).toEqual([
        expect.objectContaining({ dst: '10.22.0.0/16', gateway: '10.99.0.1', table: 100, protocol: 'static', mtu: 1400, advmss: 1360, onlink: true }),
      ]);
      expect(h.routeList({ dst: 'default' })).toEqual([expect.objectContaining({ gateway: '10.20.0.1', family: 4 })]);
      expect(h.routeList({ table: 'all' }).some((r) => r.type === 'local')).toBe(true);
    } finally {
      h.close();
    }
  });

  it('adds IPv6 routes and ECMP multipath routes', () => {
    const { env, h } = setup();
    try {
      h.linkSetUp('rt0');
      h.routeAdd({ dst: 'fd00:21::/64', gateway: 'fd00:20::1', oif: 'rt0', priority: 1024 });
      h.routeAdd({
        dst: '10.25.0.0/16',
        multipath: [
          { gateway: '10.20.0.1', oif: 'rt0', weight: 1 },
          { gateway: '10.20.0.3', oif: 'rt0', weight: 3 },
        ],
      });
      expect(routes(env.host.name, 6)).toEqual(
        expect.arrayContaining([expect.objectContaining({ dst: 'fd00:21::/64', gateway: 'fd00:20::1', metric: 1024, dev: 'rt0' })]),
      );
      const mp = ipJson<Record<string, unknown>>(env.host.name, 'route', 'show', '10.25.0.0/16')[0]!;
      expect(mp.nexthops).toEqual([
        expect.objectContaining({ gateway: '10.20.0.1', dev: 'rt0', weight: 1 }),
        expect.objectContaining({ gateway: '10.20.0.3', dev: 'rt0', weight: 3 }),
      ]);
      const ours = h.routeList({ dst: '10.25.0.0/16' })[0]!;
      expect(ours.multipath?.map((n) => [n.gateway, n.weight])).toEqual([
        ['10.20.0.1', 1],
        ['10.20.0.3', 3],
      ]);
      expect(h.routeList({ family: 6, dst: 'fd00:21::/64' })[0]).toMatchObject({ gateway: 'fd00:20::1', priority: 1024, family: 6 });
    } finally {
      h.close();
    }
  });

  it('replaces, appends and deletes routes; errors carry errno and object', () => {
    const { env, h } = setup();
    try {
      h.routeAdd({ dst: '10.26.0.0/16', gateway: '10.20.0.1', oif: 'rt0' });
      expect(() => h.routeAdd({ dst: '10.26.0.0/16', gateway: '10.20.0.1', oif: 'rt0' })).toThrow(
        'EEXIST adding route "10.26.0.0/16 via 10.20.0.1 dev rt0": file exists',
      );
      h.routeReplace({ dst: '10.26.0.0/16', gateway: '10.20.0.5', oif: 'rt0' });
      expect(routes(env.host.name, 4).find((r) => r.dst === '10.26.0.0/16')).toMatchObject({ gateway: '10.20.0.5' });
      h.routeAppend({ dst: '10.26.0.0/16', gateway: '10.20.0.6', oif: 'rt0', priority: 5 });
      expect(routes(env.host.name, 4).filter((r) => r.dst === '10.26.0.0/16')).toHaveLength(2);
      h.routeDel({ dst: '10.26.0.0/16', priority: 5 });
      h.routeDel({ dst: '10.26.0.0/16', gateway: '10.20.0.5' });
      expect(routes(env.host.name, 4).filter((r) => r.dst === '10.26.0.0/16')).toEqual([]);
      let e: unknown;
      try {
        h.routeDel({ dst: '10.26.0.0/16' });
      } catch (err) {
        e = err;
      }
      expect(e).toMatchObject({ code: 'ESRCH', op: 'deleting route', object: '"10.26.0.0/16"' });
      expect(isNotFound(e)).toBe(true);
      expect(isExist(e)).toBe(false);
      expect(() => h.routeAdd({ dst: '10.27.0.0/16', gateway: '10.99.9.9', oif: 'rt0' })).toThrow(/ENETUNREACH|Nexthop has invalid gateway/);
    } finally {
      h.close();
    }
  });
});
