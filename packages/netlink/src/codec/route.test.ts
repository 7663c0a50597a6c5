import { describe, expect, it } from 'vitest';
import { decodeRouteMessage, encodeRouteMessage } from './route';
import * as fx from './fixtures/captured';
import { msg, recordingCtx } from './fixtures/helpers';
import * as route from '../ops/route';

const hex = (b: Buffer) => b.toString('hex');
const REQUESTS = [
  'routeAdd',
  'routeAddSrcScope',
  'routeAddV6',
  'routeAddMultipath',
  'routeReplace',
  'routeAddBlackholeTable1000',
  'routeDel',
  'routeDumpRequest',
] as const;

const r = (h: string) => route.toRoute(decodeRouteMessage(msg(h).data));

describe('route messages', () => {
  for (const name of REQUESTS) {
    it(`${name} (iproute2) round-trips byte for byte`, () => {
      const m = msg(fx[name]);
      expect(hex(encodeRouteMessage(decodeRouteMessage(m.data)))).toBe(hex(m.data));
    });
  }

  it('decodes kernel replies', () => {
    expect(r(fx.routeDumpReplyMetrics)).toMatchObject({
      family: 4, dst: '10.9.0.0/16', gateway: '10.1.2.1', oif: 3, priority: 100, table: 100,
      protocol: 'static', scope: 'universe', type: 'unicast', mtu: 1400, advmss: 1360, onlink: true,
    });
    expect(r(fx.routeDumpReplyBlackhole)).toMatchObject({ dst: '10.6.0.0/16', type: 'blackhole', table: 1000 });
    expect(r(fx.routeDumpReplyPrefsrc)).toMatchObject({ dst: '10.1.2.0/24', src: '10.1.2.3', scope: 'link', protocol: 'kernel' });
    expect(r(fx.routeDumpReplyMultipath).multipath).toEqual([
      { gateway: '10.1.2.1', oif: 3, weight: 1, flags: 4, onlink: true },
      { gateway: '10.1.2.2', oif: 3, weight: 2, flags: 4, onlink: true },
    ]);
    expect(r(fx.routeDumpReplyV6)).toMatchObject({ family: 6, dst: 'fd01::/64', gateway: 'fe80::1', priority: 1024 });
  });

  it('operations send what `ip route` sends', () => {
    const cases: [keyof typeof fx, (c: ReturnType<typeof recordingCtx>['ctx']) => void][] = [
      ['routeAdd', (c) => route.routeAdd(c, { dst: '10.9.0.0/16', gateway: '10.1.2.1', oif: 3, priority: 100, table: 100, protocol: 'static', mtu: 1400, advmss: 1360, onlink: true })],
      ['routeAddSrcScope', (c) => route.routeAdd(c, { dst: '10.8.0.0/16', oif: 3, scope: 'link', src: '10.1.2.3' })],
      ['routeAddV6', (c) => route.routeAdd(c, { dst: 'fd01::/64', gateway: 'fe80::1', oif: 3, priority: 1024 })],
      ['routeAddMultipath', (c) => route.routeAdd(c, { dst: '10.7.0.0/16', multipath: [{ gateway: '10.1.2.1', oif: 3, weight: 1, onlink: true }, { gateway: '10.1.2.2', oif: 3, weight: 2, onlink: true }] })],
      ['routeReplace', (c) => route.routeReplace(c, { dst: '10.9.0.0/16', gateway: '10.1.2.2', oif: 3, table: 100, onlink: true })],
      ['routeAddBlackholeTable1000', (c) => route.routeAdd(c, { dst: '10.6.0.0/16', type: 'blackhole', table: 1000 })],
      ['routeDel', (c) => route.routeDel(c, { dst: '10.9.0.0/16', table: 100 })],
      ['routeDumpRequest', (c) => route.routeList(c, { table: 'all' })],
    ];
    for (const [name, run] of cases) {
      const { ctx, sent } = recordingCtx();
      run(ctx);
      const want = msg(fx[name]);
      expect(sent[0]!.type, name).toBe(want.type);
      expect((sent[0]!.flags | 5).toString(16), name).toBe(
        (want.flags | (want.flags & 0x300 ? 0 : 5)).toString(16).replace('301', '305'),
      );
      expect(hex(sent[0]!.body), name).toBe(hex(want.data));
    }
  });
});
