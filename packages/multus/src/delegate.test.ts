// Issue 18: a NetworkAttachmentDefinition may not run Multus itself, and what ADD wrote to the
// delegate cache from untrusted input is checked again before DEL runs it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readScratch, saveDelegates } from './cache';
import { loadDelegateNetConf, refusedDelegate } from './delegate';
import { nadPath } from './k8s/resolve';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('delegates that would run Multus', () => {
  const evil = { binDir: '/tmp/x', cniDir: '/tmp/x', kubeconfig: '/tmp/x/kc', logFile: '/etc/passwd', daemonSocketDir: '/tmp/x' };
  const shapes: [string, unknown][] = [
    ['a plugin of type multus', { cniVersion: '1.0.0', name: 'n', type: 'multus', ...evil }],
    ['multus-shim', { cniVersion: '1.0.0', name: 'n', type: 'multus-shim', ...evil }],
    ['a conflist plugin', { cniVersion: '1.0.0', name: 'n', plugins: [{ type: 'bridge' }, { type: 'multus', ...evil }] }],
    ['an IPAM type', { cniVersion: '1.0.0', name: 'n', type: 'macvlan', ipam: { type: 'multus' }, ...evil }],
    ['a key in another case (Go matches it)', { cniVersion: '1.0.0', name: 'n', TYPE: 'multus', ...evil }],
    ['a meta plugin\'s delegate', { cniVersion: '1.0.0', name: 'n', type: 'flannel', delegate: { type: 'multus', ...evil } }],
  ];

  for (const [what, config] of shapes) {
    it(`refuses ${what} with a clear error`, () => {
      expect(refusedDelegate(config)).toMatch(/a delegate of type "multus(-shim)?" is refused/);
      expect(() => loadDelegateNetConf(enc(config), { name: 'n', namespace: 'ns' }, '', '')).toThrow(/LoadDelegateNetConf: a delegate of type "multus(-shim)?" is refused: a network may not run Multus itself/);
    });
  }

  it('leaves everything else alone (a name or another key may say multus)', () => {
    expect(refusedDelegate({ cniVersion: '1.0.0', name: 'multus', type: 'bridge', args: { cni: { type2: 'multus' } }, ipam: { type: 'host-local' } })).toBeUndefined();
    expect(refusedDelegate({ type: 'Multus' })).toBeUndefined();
    expect(refusedDelegate(null)).toBeUndefined();
  });
});

describe('the delegate cache read back at DEL', () => {
  it('marks delegates no ADD could have run (Multus, a path as interface, a bad network name) and keeps the indices of the others', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cnits-multus-refuse-'));
    dirs.push(dir);
    const good = loadDelegateNetConf(enc({ cniVersion: '1.0.0', name: 'cbr0', type: 'bridge' }), undefined, '', '');
    good.masterPlugin = true;
    const second = loadDelegateNetConf(enc({ cniVersion: '1.0.0', name: 'mv', type: 'macvlan' }), { name: 'mv', namespace: 'ns' }, '', '');
    saveDelegates(dir, 'c1', [good, second, second, second, second]);
    const raw = JSON.parse(JSON.stringify(readScratchRaw(dir)));
    raw[1].ifnameRequest = '../../../etc/shadow';
    raw[2].Bytes = Buffer.from(JSON.stringify({ cniVersion: '1.0.0', name: 'mv', type: 'multus', binDir: '/tmp/x' })).toString('base64');
    raw[3].Bytes = Buffer.from(JSON.stringify({ cniVersion: '1.0.0', name: '../up', type: 'macvlan' })).toString('base64');
    raw[3].Conf.name = '../up';
    writeFileSync(path.join(dir, 'c1'), JSON.stringify(raw));
    const r = readScratch(dir, 'c1');
    expect(r.state).toBe('ok');
    const ds = r.state === 'ok' ? r.delegates : [];
    expect(ds.map((d) => d.refused === undefined)).toEqual([true, false, false, false, true]);
    expect(ds[1]!.refused).toMatch(/invalid interface name/);
    expect(ds[2]!.refused).toMatch(/is refused/);
    expect(ds[3]!.refused).toMatch(/network name/);
  });
});

function readScratchRaw(dir: string): unknown {
  return JSON.parse(readFileSync(path.join(dir, 'c1'), 'utf8'));
}

describe('NAD URLs', () => {
  it('are built from valid names only', () => {
    expect(nadPath('ns', 'a.b')).toBe('/apis/k8s.cni.cncf.io/v1/namespaces/ns/network-attachment-definitions/a.b');
    for (const [ns, name] of [['ns', ''], ['ns', '.'], ['ns', '..'], ['..', 'a'], ['', 'a'], ['ns', 'a/b'], ['ns', '%2e%2e']]) {
      expect(() => nadPath(ns!, name!), `${ns}/${name}`).toThrow(/invalid|required/);
    }
  });
});
