import { cniRequest } from '@cni-ts/cni';
import { describe, expect, it } from 'vitest';
import { jsonSchema, loadStaticConfig as load } from './config';
import { buildResult, checkAgainst } from './plugin';

const loadStaticConfig = (config: unknown, args = '') => load(cniRequest({ config: config as Record<string, unknown>, args }));

const conf = (ipam: unknown, extra: Record<string, unknown> = {}) => ({ cniVersion: '1.0.0', name: 's', ipam, ...extra });
const ips = (stdin: unknown, args = '') => buildResult(loadStaticConfig(stdin, args)).ips;

function fails(stdin: unknown, args: string, message: string, field?: string) {
  expect(() => loadStaticConfig(stdin, args)).toThrow(expect.objectContaining(field === undefined ? { msg: message } : { msg: message, details: field }));
}

describe('static addresses', () => {
  it('returns config addresses as written (host bits kept)', () => {
    expect(ips(conf({ addresses: [{ address: '10.10.0.1/24', gateway: '10.10.0.254' }, { address: 'FD00::1/64' }] }))).toEqual([
      { address: '10.10.0.1/24', gateway: '10.10.0.254' },
      { address: 'fd00::1/64' },
    ]);
  });

  it('appends CNI_ARGS IPs; GATEWAY applies to those only', () => {
    expect(
      ips(conf({ addresses: [{ address: '10.10.0.1/24' }] }), 'IP=10.2.0.5/24, 10.3.0.5/16;GATEWAY=10.2.0.1,10.10.0.254'),
    ).toEqual([{ address: '10.10.0.1/24' }, { address: '10.2.0.5/24', gateway: '10.2.0.1' }, { address: '10.3.0.5/16' }]);
  });

  it('args.cni.ips replaces everything, runtimeConfig.ips replaces that', () => {
    const base = conf({ addresses: [{ address: '10.10.0.1/24' }] }, { args: { cni: { ips: ['10.1.0.1/24'] } } });
    expect(ips(base, 'IP=10.2.0.5/24')).toEqual([{ address: '10.1.0.1/24' }]);
    expect(ips({ ...base, runtimeConfig: { ips: ['10.2.0.1/24', 'fd00::2/64'] } })).toEqual([
      { address: '10.2.0.1/24' },
      { address: 'fd00::2/64' },
    ]);
  });

  it('prints an IPv4-mapped address as IPv4', () => {
    expect(ips(conf({ addresses: [{ address: '::ffff:10.10.0.1/120', gateway: '::ffff:10.10.0.2' }] }))).toEqual([
      { address: '10.10.0.1/24', gateway: '10.10.0.2' },
    ]);
  });

  it('copies routes (Go rendering, cni 1.1 fields) and dns', () => {
    const r = buildResult(
      loadStaticConfig(
        conf({
          routes: [{ dst: '10.0.0.5/8', gw: '::ffff:1.2.3.4', mtu: 1400, table: 0 }, {}],
          dns: { nameservers: ['1.1.1.1'], foo: 1, Domain: 'x.example' },
        }),
      ),
    );
    expect(r).toEqual({
      cniVersion: '1.1.0',
      routes: [{ dst: '10.0.0.5/8', gw: '1.2.3.4', mtu: 1400, table: 0 }, { dst: '<nil>' }],
      dns: { nameservers: ['1.1.1.1'], domain: 'x.example' },
    });
  });

  it('accepts no addresses at all', () => {
    expect(buildResult(loadStaticConfig(conf({ type: 'static' })))).toEqual({ cniVersion: '1.1.0', dns: {} });
  });

  it.each([
    [conf({}), 'IP=10.2.0.5', "the 'ip' field is expected to be in CIDR notation, got: '10.2.0.5'", 'CNI_ARGS.IP'],
    [conf({}), 'GATEWAY=zz', 'invalid gateway address: zz', 'CNI_ARGS.GATEWAY'],
    [conf({ addresses: [{ address: '10.10.0.1' }] }), '', "the 'address' field is expected to be in CIDR notation, got: '10.10.0.1'", 'ipam.addresses[0].address'],
    [conf({ addresses: [{}] }), '', "the 'address' field is expected to be in CIDR notation, got: ''"],
    [conf({}, { runtimeConfig: { ips: ['10.1.0.1'] } }), '', "an entry in the 'ips' field is NOT in CIDR notation, got: '10.1.0.1'", 'runtimeConfig.ips[0]'],
    [conf({}, { runtimeConfig: { ips: [null] } }), '', "an entry in the 'ips' field is NOT in CIDR notation, got: ''"],
    [conf({ addresses: [{ address: '10.1.0.1/24', gateway: 'zz' }] }), '', 'invalid IP address: zz', 'ipam.addresses[0].gateway'],
    [conf({ addresses: 'x' }), '', 'json: cannot unmarshal string into Go struct field IPAMConfig.ipam.addresses of type []main.Address'],
    [
      conf({ addresses: [{ Address: '10.10.0.1/24' }] }),
      '',
      'json: cannot unmarshal string into Go struct field Address.ipam.addresses.Address of type net.IPNet',
    ],
    [{ cniVersion: '1.0.0', name: 's' }, '', "IPAM config missing 'ipam' key"],
    [
      { ...conf({ addresses: [{ address: '10.10.0.1/24' }, { address: '10.11.0.1/24' }] }), cniVersion: '0.2.0' },
      '',
      'CNI version 0.2.0 does not support more than 1 address per family',
    ],
  ])('rejects %j %j', (stdin, args, message, field?: string) => fails(stdin, args as string, message, field));

  it('exports a JSON Schema', () => {
    expect(Object.keys((jsonSchema() as { properties: object }).properties)).toContain('ipam');
  });
});

describe('checkAgainst', () => {
  const c = loadStaticConfig(conf({ addresses: [{ address: '10.10.0.1/24', gateway: '10.10.0.254' }, { address: '10.20.0.1/24' }] }));
  it('passes when gateways match or addresses are absent', () => {
    expect(() => checkAgainst(c, [{ address: '10.10.0.1/24', gateway: '10.10.0.254' }], 'eth0')).not.toThrow();
    expect(() => checkAgainst(c, [], 'eth0')).not.toThrow();
  });
  it('fails on a different gateway', () => {
    expect(() => checkAgainst(c, [{ address: '10.10.0.1/24', gateway: '10.10.0.1' }], 'eth0')).toThrow(
      'static: Failed to match addr 10.10.0.1 on interface eth0',
    );
  });
});
