import { describe, expect, it } from 'vitest';
import { ALL_VERSIONS } from '../version';
import { convertResult, toCurrentResult } from './convert';
import { resultFamily } from './family';
import { R020, R040, R110 } from './fixtures.test-helper';
import type { Result, Result020, Result040, Result100 } from './types';

const V02 = ['0.1.0', '0.2.0'];
const V04 = ['0.3.0', '0.3.1', '0.4.0'];

function shapeOf(r: Result): string {
  if ('ip4' in r || 'ip6' in r) return '020';
  if ((r as Result040).ips?.some((i) => 'version' in i)) return '040';
  return '100';
}

describe('convertResult: 1.1.0 source', () => {
  it('to 1.0.0 only changes the version (1.1 fields kept)', () => {
    expect(convertResult(R110, '1.0.0')).toEqual({ ...R110, cniVersion: '1.0.0' });
  });

  it.each(V04)('to %s adds ips[].version, trims interfaces, keeps route fields', (to) => {
    expect(convertResult(R110, to)).toEqual({
      cniVersion: to,
      interfaces: [
        { name: 'eth0', mac: 'aa:bb:cc:dd:ee:ff', sandbox: '/var/run/netns/blue' },
        { name: 'veth1', mac: '11:22:33:44:55:66' },
      ],
      ips: [
        { version: '4', interface: 0, address: '10.1.0.5/16', gateway: '10.1.0.1' },
        { version: '6', interface: 0, address: '2001:db8::5/64', gateway: '2001:db8::1' },
        { version: '4', address: '10.2.0.5/16' },
        { version: '6', interface: 1, address: '2001:db8:1::5/64' },
      ],
      routes: R110.routes,
      dns: R110.dns,
    } satisfies Result040);
  });

  it.each(V02)('to %s keeps the first IP per family and dst/gw of routes', (to) => {
    expect(convertResult(R110, to)).toEqual({
      cniVersion: to,
      ip4: { ip: '10.1.0.5/16', gateway: '10.1.0.1', routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }, { dst: '192.168.0.0/16' }] },
      ip6: { ip: '2001:db8::5/64', gateway: '2001:db8::1', routes: [{ dst: '::/0' }] },
      dns: R110.dns,
    } satisfies Result020);
  });

  it('gives IPv4-mapped addresses version 4', () => {
    const r = convertResult({ cniVersion: '1.0.0', ips: [{ address: '::ffff:10.1.2.3/120' }] }, '0.4.0') as Result040;
    expect(r.ips?.[0]?.version).toBe('4');
  });
});

describe('convertResult: 0.4.0 source', () => {
  it.each(['1.0.0', '1.1.0'])('to %s drops ips[].version, keeps indices', (to) => {
    expect(convertResult(R040, to)).toEqual({
      cniVersion: to,
      interfaces: R040.interfaces,
      ips: [
        { address: '10.9.9.9/8' },
        { interface: 0, address: '10.8.0.5/16' },
        { interface: 0, address: '10.1.0.5/16', gateway: '10.1.0.1' },
        { interface: 0, address: '10.7.0.5/16' },
      ],
      routes: R040.routes,
      dns: R040.dns,
    } satisfies Result100);
  });

  it.each(V02)('to %s picks by the version field, not the address', (to) => {
    expect(convertResult(R040, to)).toEqual({
      cniVersion: to,
      ip4: { ip: '10.1.0.5/16', gateway: '10.1.0.1', routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }] },
      ip6: { ip: '10.8.0.5/16', routes: [{ dst: '::/0', gw: '2001:db8::1' }] },
      dns: R040.dns,
    } satisfies Result020);
  });

  it.each(['0.3.0', '0.3.1'])('to %s is a deep copy', (to) => {
    const r = convertResult(R040, to);
    expect(r).toEqual({ ...R040, cniVersion: to });
    expect((r as Result040).ips).not.toBe(R040.ips);
  });
});

describe('convertResult: 0.2.0 source', () => {
  it.each(V04)('to %s lists ip4 then ip6 with their routes', (to) => {
    expect(convertResult(R020, to)).toEqual({
      cniVersion: to,
      ips: [
        { version: '4', address: '10.1.0.5/16', gateway: '10.1.0.1' },
        { version: '6', address: '2001:db8::5/64' },
      ],
      routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }, { dst: '::/0' }],
      dns: R020.dns,
    } satisfies Result040);
  });

  it.each(['1.0.0', '1.1.0'])('to %s goes through 0.4.0', (to) => {
    expect(convertResult(R020, to)).toEqual({
      cniVersion: to,
      ips: [{ address: '10.1.0.5/16', gateway: '10.1.0.1' }, { address: '2001:db8::5/64' }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }, { dst: '::/0' }],
      dns: R020.dns,
    } satisfies Result100);
  });

  it('to 0.1.0 copies', () => {
    expect(convertResult(R020, '0.1.0')).toEqual({ ...R020, cniVersion: '0.1.0' });
  });
});

describe('convertResult: every version pair', () => {
  const sources: Result[] = ALL_VERSIONS.map((v) => convertResult(R110, v));
  for (const from of sources) {
    for (const to of ALL_VERSIONS) {
      it(`${from.cniVersion} -> ${to}`, () => {
        const r = convertResult(from, to);
        expect(r.cniVersion).toBe(to);
        expect(shapeOf(r)).toBe(resultFamily(to));
        // Up again to 1.1.0: the first address of each family always survives.
        const back = toCurrentResult(r);
        expect(back.ips?.map((i) => i.address)).toEqual(expect.arrayContaining(['10.1.0.5/16', '2001:db8::5/64']));
        if (from.cniVersion === to) expect(r).toBe(from);
      });
    }
  }
});

describe('convertResult: failures and defaults', () => {
  it('cannot go to 0.x without IPs', () => {
    for (const to of V02) {
      expect(() => convertResult({ cniVersion: '1.1.0', interfaces: [{ name: 'lo' }] }, to)).toThrow('cannot convert: no valid IP addresses');
    }
  });

  it('has no converter for unknown versions', () => {
    expect(() => convertResult(R110, '9.9.9')).toThrow('no converter for CNI result version 1.1.0 to 9.9.9');
    expect(() => convertResult(R110, '1.0')).toThrow('no converter for CNI result version 1.1.0 to 1.0');
  });

  it('reads "" as 0.1.0 and an unversioned result as 1.1.0', () => {
    expect(convertResult(R110, '').cniVersion).toBe('0.1.0');
    const plain = { cniVersion: '', ips: [{ address: '10.1.0.5/16' }] } as Result100;
    expect(convertResult(plain, '1.1.0')).toEqual({ ...plain, cniVersion: '1.1.0' });
    expect(convertResult(plain, '0.4.0').cniVersion).toBe('0.4.0');
  });
});
