import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readScratch, saveDelegates } from './cache';
import { loadDelegateNetConf } from './delegate';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'cnits-multus-cache-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('scratch cache', () => {
  it('writes Go\'s field names and order, Bytes in base64, and reads it back', () => {
    const dir = tmp();
    const master = loadDelegateNetConf(enc({ cniVersion: '0.3.1', name: 'cbr0', plugins: [{ type: 'flannel' }, { type: 'portmap', capabilities: { portMappings: true } }] }), undefined, '', '');
    master.masterPlugin = true;
    const second = loadDelegateNetConf(
      enc({ cniVersion: '0.3.1', name: 'macvlan-conf', type: 'macvlan', ipam: { type: 'host-local' } }),
      { name: 'macvlan-conf', namespace: 'default', interfaceRequest: 'macvlan1', macRequest: '02:23:45:67:89:01', ipRequest: ['10.1.1.5/24'], gatewayRequest: ['10.1.1.254'] },
      '0000:18:02.5',
      'intel.com/sriov_vf',
    );
    second.isFilterV6Gateway = true;
    saveDelegates(dir, 'c1', [master, second]);
    const text = readFileSync(path.join(dir, 'c1'), 'utf8');
    expect(text.startsWith('[{"Conf":{"ipam":{}},"ConfList":{"cniVersion":"0.3.1","name":"cbr0","plugins":[{"ipam":{},"type":"flannel"},{"capabilities":{"portMappings":true},"ipam":{},"type":"portmap"}]},"Name":"cbr0","IsFilterV4Gateway":false,"IsFilterV6Gateway":false,"Bytes":"')).toBe(true);
    expect(text).toContain(
      '{"Conf":{"cniVersion":"0.3.1","ipam":{"type":"host-local"},"name":"macvlan-conf","type":"macvlan"},"ConfList":{},"Name":"default/macvlan-conf","ifnameRequest":"macvlan1","macRequest":"02:23:45:67:89:01","ipRequest":["10.1.1.5/24"],"default-route":["10.1.1.254"],"IsFilterV4Gateway":false,"IsFilterV6Gateway":true,"deviceID":"0000:18:02.5","resourceName":"intel.com/sriov_vf","Bytes":"',
    );
    const back = readScratch(dir, 'c1');
    expect(back.state).toBe('ok');
    if (back.state !== 'ok') return;
    expect(back.delegates.map((d) => [d.name, d.masterPlugin, d.confListPlugin, d.ifnameRequest])).toEqual([
      ['cbr0', true, true, undefined],
      ['default/macvlan-conf', false, false, 'macvlan1'],
    ]);
    // Bytes carry the injected deviceID and pciBusID.
    expect(JSON.parse(new TextDecoder().decode(back.delegates[1]!.bytes))).toMatchObject({ deviceID: '0000:18:02.5', pciBusID: '0000:18:02.5' });
    expect(back.delegates[1]!.gatewayRequest).toEqual(['10.1.1.254']);
  });

  it('reads a cache written by upstream Multus (Go field names, any case)', () => {
    const dir = tmp();
    const bytes = Buffer.from('{"cniVersion":"0.3.1","name":"n","type":"bridge"}').toString('base64');
    writeFileSync(path.join(dir, 'c2'), `[{"Conf":{"cniVersion":"0.3.1","name":"n","type":"bridge","ipam":{}},"ConfList":{},"Name":"n","isfilterv4gateway":true,"IsFilterV6Gateway":false,"Bytes":"${bytes}"}]`);
    const r = readScratch(dir, 'c2');
    expect(r.state === 'ok' && r.delegates[0]).toMatchObject({ name: 'n', masterPlugin: true, confListPlugin: false, isFilterV4Gateway: true });
  });

  it('tells missing from corrupt', () => {
    const dir = tmp();
    expect(readScratch(dir, 'nope').state).toBe('missing');
    writeFileSync(path.join(dir, 'c3'), '[{"Conf":{"ipam":{}},"ConfList":{"cniVe');
    expect(readScratch(dir, 'c3').state).toBe('corrupt');
    writeFileSync(path.join(dir, 'c4'), '');
    expect(readScratch(dir, 'c4').state).toBe('corrupt');
  });
});
