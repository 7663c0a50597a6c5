import { describe, expect, it } from 'vitest';
import type { Result100 } from '@cni-ts/cni';
import { calcGateways } from './gateways';

const result = (over: Partial<Result100> = {}): Result100 => ({
  cniVersion: '1.1.0',
  ips: [{ address: '10.1.2.5/24' }, { address: 'fd00:1::5/64', gateway: 'fd00:1::fe' }],
  ...over,
});

describe('calcGateways', () => {
  it('points every IP at the container interface; gateways only with isGateway', () => {
    const r = result();
    const g = calcGateways(r, false, false);
    expect(r.ips).toEqual([
      { interface: 2, address: '10.1.2.5/24' },
      { interface: 2, address: 'fd00:1::5/64', gateway: 'fd00:1::fe' },
    ]);
    expect(g.v4.gws).toEqual([]);
    expect(g.v6.gws).toEqual([]);
  });

  it('fills missing gateways with the first address of the subnet and lists them with their prefix', () => {
    const r = result();
    const g = calcGateways(r, true, false);
    expect(r.ips![0]!.gateway).toBe('10.1.2.1');
    expect(g.v4.gws).toEqual(['10.1.2.1/24']);
    expect(g.v6.gws).toEqual(['fd00:1::fe/64']);
    expect(r.routes).toBeUndefined();
  });

  it('adds a default route per family unless IPAM gave one with a gateway', () => {
    const r = result({ routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0', gw: 'fd00:1::1' }] });
    calcGateways(r, true, true);
    expect(r.routes).toEqual([{ dst: '0.0.0.0/0' }, { dst: '::/0', gw: 'fd00:1::1' }, { dst: '0.0.0.0/0', gw: '10.1.2.1' }]);
  });

  it('handles /31 and /0 edge subnets like ip.NextIP of the network address', () => {
    const r = result({ ips: [{ address: '10.0.0.255/31' }, { address: '192.168.255.255/16' }] });
    calcGateways(r, true, false);
    expect(r.ips!.map((i) => i.gateway)).toEqual(['10.0.0.255', '192.168.0.1']);
  });
});
