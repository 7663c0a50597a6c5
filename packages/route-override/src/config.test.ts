import { describe, expect, it } from 'vitest';
import { DEFAULT_DATA_DIR, jsonSchema as routeOverrideJsonSchema, loadConf, requirePrevResult } from './config';
import { gatewayFor, gatewaysOf, targetNames } from './plugin';

const req = (config: Record<string, unknown>, env: Record<string, string> = {}) => ({
  config: { cniVersion: '0.3.1', name: 'n', type: 'route-override', ...config },
  env,
  cniVersion: (config.cniVersion as string | undefined) ?? '0.3.1',
});

const err = (config: Record<string, unknown>) => {
  try {
    loadConf(req(config));
  } catch (e) {
    return { code: (e as { code: number }).code, msg: (e as { msg: string }).msg, details: (e as { details: string }).details };
  }
  return undefined;
};

describe('loadConf', () => {
  it('defaults', () => {
    expect(loadConf(req({}))).toEqual({
      cniVersion: '0.3.1',
      name: 'n',
      dataDir: DEFAULT_DATA_DIR,
      flushroutes: false,
      flushgateway: false,
      delroutes: [],
      addroutes: [],
      skipcheck: false,
    });
  });

  it('args.cni replaces each key it names; args without cni changes nothing (upstream panics)', () => {
    const c = loadConf(
      req({ flushroutes: true, delroutes: [{ dst: '10.0.0.0/8' }], addroutes: [{ dst: '10.1.0.0/16' }], args: { cni: { flushroutes: false, addroutes: [], skipcheck: true } } }),
    );
    expect(c).toMatchObject({ flushroutes: false, delroutes: [{ dst: '10.0.0.0/8' }], addroutes: [], skipcheck: true });
    expect(loadConf(req({ flushgateway: true, args: { labels: [] } })).flushgateway).toBe(true);
    expect(loadConf(req({ flushgateway: true, args: { cni: null } })).flushgateway).toBe(true);
  });

  it('routes: dst canonical with host bits kept, gw canonical, extra route fields kept', () => {
    const c = loadConf(req({ addroutes: [{ dst: '2001:DB8::5/64', gw: '2001:DB8::1', priority: 5, table: 100 }], DelRoutes: [{ Dst: '10.0.0.5/8', GW: '' }] }));
    expect(c.addroutes).toEqual([{ dst: '2001:db8::5/64', gw: '2001:db8::1', priority: 5, table: 100 }]);
    expect(c.delroutes).toEqual([{ dst: '10.0.0.5/8' }]);
  });

  it("errors carry Go's text and the field", () => {
    expect(err({ flushroutes: 1 })).toEqual({
      code: 999,
      msg: 'failed to load netconf: json: cannot unmarshal number into Go struct field RouteOverrideConfig.flushroutes of type bool',
      details: 'flushroutes',
    });
    expect(err({ addroutes: [{ dst: 5 }] })).toEqual({
      code: 999,
      msg: 'failed to load netconf: json: cannot unmarshal number into Go struct field route.addroutes.dst of type types.IPNet',
      details: 'addroutes[0].dst',
    });
    expect(err({ delroutes: [{ dst: 'nope' }] })!.msg).toBe('failed to load netconf: delroutes[0].dst: invalid CIDR address: nope');
    expect(err({ addroutes: [{}] })!.details).toBe('addroutes[0].dst');
  });

  it('dataDir: config, else CNI_TS_ROUTE_OVERRIDE_DATA_DIR, else /run/cni/route-override', () => {
    expect(loadConf(req({ dataDir: '/a' }, { CNI_TS_ROUTE_OVERRIDE_DATA_DIR: '/b' })).dataDir).toBe('/a');
    expect(loadConf(req({}, { CNI_TS_ROUTE_OVERRIDE_DATA_DIR: '/b' })).dataDir).toBe('/b');
  });

  it('prevResult: required, parsed in the config version, up-converted', () => {
    expect(() => requirePrevResult(loadConf(req({})))).toThrow('Required prevResult missing');
    const r = requirePrevResult(loadConf(req({ prevResult: { ips: [{ version: '4', address: '10.0.0.2/24', gateway: '10.0.0.1' }] } })));
    expect(r).toEqual({ cniVersion: '1.1.0', ips: [{ address: '10.0.0.2/24', gateway: '10.0.0.1' }], dns: {} });
  });

  it('has a JSON Schema', () => {
    const s = routeOverrideJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['flushroutes', 'flushgateway', 'delroutes', 'addroutes', 'skipcheck', 'args']));
  });
});

describe('targets and gateways', () => {
  const res = {
    cniVersion: '1.1.0',
    interfaces: [{ name: 'br0' }, { name: 'veth1' }, { name: 'eth0', sandbox: '/x' }, { name: 'net1', sandbox: '/x' }],
    ips: [
      { interface: 2, address: '10.0.0.2/24', gateway: '10.0.0.1' },
      { interface: 3, address: '10.1.0.2/24', gateway: '10.1.0.1' },
      { interface: 3, address: 'fd00::2/64', gateway: '::' },
    ],
  };

  it('targets are the sandbox interfaces, else CNI_IFNAME', () => {
    expect(targetNames(res, 'net1')).toEqual(['eth0', 'net1']);
    expect(targetNames({ cniVersion: '1.1.0' }, 'net1')).toEqual(['net1']);
    expect(targetNames({ cniVersion: '1.1.0', interfaces: [{ name: 'br0' }] }, 'eth0')).toEqual(['eth0']);
  });

  it("a route's gateway: the device's address of the family first, zero gateways ignored", () => {
    expect(gatewayFor(res, 4, 'net1')).toBe('10.1.0.1');
    expect(gatewayFor(res, 4, 'other')).toBe('10.0.0.1');
    expect(gatewayFor(res, 6, 'net1')).toBeUndefined();
    expect(gatewaysOf(res, 4)).toEqual(['10.0.0.1', '10.1.0.1']);
  });
});
