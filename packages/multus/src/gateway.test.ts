import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDelegateNetConf } from './delegate';
import { addDefaultGWCache, checkGatewayConfig, deleteDefaultGWCache } from './gateway';

const d = (gw?: string[]) => {
  const x = loadDelegateNetConf(new TextEncoder().encode('{"name":"n","type":"macvlan"}'), undefined, '', '');
  x.gatewayRequest = gw;
  return x;
};

describe('default-route', () => {
  it('marks every delegate without a gateway of a family for filtering', () => {
    const ds = [d(), d(['10.1.1.254']), d(['fd00::1'])];
    checkGatewayConfig(ds);
    expect(ds.map((x) => [x.isFilterV4Gateway, x.isFilterV6Gateway])).toEqual([
      [true, true],
      [false, true],
      [true, false],
    ]);
  });

  it('refuses two gateways of one family (ECMP)', () => {
    expect(() => checkGatewayConfig([d(['10.0.0.1']), d(['10.0.0.2'])])).toThrow('multus does not support ECMP for default-route');
  });

  it('an empty default-route is no request (upstream strips every default route)', () => {
    const ds = [d(), d([])];
    checkGatewayConfig(ds);
    expect(ds.every((x) => !x.isFilterV4Gateway && !x.isFilterV6Gateway)).toBe(true);
  });

  const dir = mkdtempSync(path.join(tmpdir(), 'cnits-multus-gw-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('edits the libcni cache entry: defaults of both families out (::/0 too), the requested one in', () => {
    mkdirSync(path.join(dir, 'results'), { recursive: true });
    const file = 'n-c1-net1';
    writeFileSync(
      path.join(dir, 'results', file),
      JSON.stringify({ kind: 'cniCacheV1', containerId: 'c1', result: { cniVersion: '1.0.0', routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }, { dst: '::/0', gw: 'fd00::1' }, { dst: '10.9.0.0/16' }] } }),
    );
    const entry = { network: 'n', containerId: 'c1', ifName: 'net1' };
    deleteDefaultGWCache(dir, entry, true, true);
    expect(JSON.parse(readFileSync(path.join(dir, 'results', file), 'utf8')).result.routes).toEqual([{ dst: '10.9.0.0/16' }]);
    addDefaultGWCache(dir, entry, ['10.1.1.254']);
    // Names that are paths never name a file (issue 18).
    expect(() => addDefaultGWCache(dir, { ...entry, ifName: '../../x' }, ['10.1.1.254'])).toThrow(/interface name/);
    expect(JSON.parse(readFileSync(path.join(dir, 'results', file), 'utf8')).result.routes).toEqual([{ dst: '10.9.0.0/16' }, { dst: '0.0.0.0/0', gw: '10.1.1.254' }]);
  });
});
