import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '@cni-ts/cni';
import type { RuntimeConf } from '../types';
import { PODMAN_CONFLIST, PODMAN_CONTAINER_ID, PODMAN_NETNS, podmanCache } from './fixtures.test-helper';
import { cacheFilePath } from './path';
import { cachedAttachments, readCachedConfig, readCachedResult } from './read';
import { cacheBytes, deleteCache, writeCache } from './write';

const enc = (s: string) => new TextEncoder().encode(s);
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cnits-chain-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const RT: RuntimeConf = {
  containerId: 'c1',
  netns: '/var/run/netns/blue',
  ifName: 'eth0',
  args: [['K8S_POD_NAME', 'p']],
  capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] },
};
const RESULT: Result = {
  cniVersion: '1.1.0',
  interfaces: [{ name: 'eth0', mac: '99:88:77:66:55:44', sandbox: '/var/run/netns/blue' }],
  ips: [{ address: '10.1.0.5/16', gateway: '10.1.0.1', interface: 0 }],
  routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }],
};
const CONFIG = '{"cniVersion":"1.1.0","name":"dbnet","plugins":[{"type":"bridge","note":"<&>"}]}\n';

describe('cache file format (libcni cachedInfo)', () => {
  it('is byte for byte what Go marshals: field order, omitted empties, standard base64 config, sorted result', () => {
    expect(cacheBytes(RESULT, enc(CONFIG), 'dbnet', RT)).toBe(
      '{"kind":"cniCacheV1","containerId":"c1",' +
        '"config":"eyJjbmlWZXJzaW9uIjoiMS4xLjAiLCJuYW1lIjoiZGJuZXQiLCJwbHVnaW5zIjpbeyJ0eXBlIjoiYnJpZGdlIiwibm90ZSI6IjwmPiJ9XX0K",' +
        '"ifName":"eth0","networkName":"dbnet","netns":"/var/run/netns/blue","cniArgs":[["K8S_POD_NAME","p"]],' +
        '"capabilityArgs":{"portMappings":[{"containerPort":80,"hostPort":8080,"protocol":"tcp"}]},' +
        '"result":{"cniVersion":"1.1.0","interfaces":[{"mac":"99:88:77:66:55:44","name":"eth0","sandbox":"/var/run/netns/blue"}],' +
        '"ips":[{"address":"10.1.0.5/16","gateway":"10.1.0.1","interface":0}],"routes":[{"dst":"0.0.0.0/0","gw":"10.1.0.1"}]}}',
    );
    // The config is the exact list bytes: decoding the base64 gives them back, byte for byte.
    const parsed = JSON.parse(cacheBytes(RESULT, enc(CONFIG), 'dbnet', RT));
    expect(Buffer.from(parsed.config, 'base64').equals(Buffer.from(CONFIG))).toBe(true);
    expect(Buffer.from(parsed.config, 'base64').toString('base64')).toBe(parsed.config);
  });

  it('omits netns, cniArgs, capabilityArgs and result when empty; a 0.4.0 result keeps dns {}', () => {
    const bytes = cacheBytes({ cniVersion: '0.4.0', ips: [{ version: '4', address: '10.0.0.2/24' }] }, enc('{}'), 'n', { containerId: 'c', netns: '', ifName: 'eth0', args: [], capabilityArgs: {} });
    expect(bytes).toBe('{"kind":"cniCacheV1","containerId":"c","config":"e30=","ifName":"eth0","networkName":"n","result":{"cniVersion":"0.4.0","dns":{},"ips":[{"address":"10.0.0.2/24","version":"4"}]}}');
  });

  it('is what libcni reads back: every field it decodes, with the kind it checks', () => {
    writeCache(dir, RESULT, enc(CONFIG), 'dbnet', RT);
    const raw = JSON.parse(readFileSync(cacheFilePath(dir, 'dbnet', RT), 'utf8'));
    expect(Object.keys(raw)).toEqual(['kind', 'containerId', 'config', 'ifName', 'networkName', 'netns', 'cniArgs', 'capabilityArgs', 'result']);
    expect(raw.kind).toBe('cniCacheV1');
    expect(typeof raw.config).toBe('string');
    expect(readCachedConfig(dir, 'dbnet', { containerId: 'c1', netns: '', ifName: 'eth0' })).toEqual({
      config: enc(CONFIG),
      rt: { containerId: 'c1', netns: '', ifName: 'eth0', args: RT.args, capabilityArgs: RT.capabilityArgs },
    });
  });
});

describe('writeCache', () => {
  it('writes <dir>/results/<net>-<id>-<ifname> atomically: mode 0600, dir 0700, no temporary file left', () => {
    writeCache(dir, RESULT, enc(CONFIG), 'dbnet', RT);
    writeCache(dir, RESULT, enc(CONFIG), 'dbnet', RT);
    const results = path.join(dir, 'results');
    expect(readdirSync(results)).toEqual(['dbnet-c1-eth0']);
    expect(statSync(results).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(results, 'dbnet-c1-eth0')).mode & 0o777).toBe(0o600);
  });

  it('needs all three name parts', () => {
    expect(() => writeCache(dir, RESULT, enc(CONFIG), 'dbnet', { ...RT, containerId: '' })).toThrow(
      'cache file path requires network name ("dbnet"), container ID (""), and interface name ("eth0")',
    );
  });

  it('leaves the old entry whole, and no temporary file, when a write fails', () => {
    writeCache(dir, RESULT, enc(CONFIG), 'dbnet', RT);
    const before = readFileSync(cacheFilePath(dir, 'dbnet', RT), 'utf8');
    expect(() => writeCache(dir, RESULT, enc(CONFIG), 'dbnet', { ...RT, capabilityArgs: { bandwidth: { ingressRate: Number.NaN } } })).toThrow('json: unsupported value: NaN');
    expect(readFileSync(cacheFilePath(dir, 'dbnet', RT), 'utf8')).toBe(before);
    expect(readdirSync(path.join(dir, 'results'))).toEqual(['dbnet-c1-eth0']);
  });

  it('deleteCache ignores missing entries', () => {
    writeCache(dir, RESULT, enc(CONFIG), 'dbnet', RT);
    deleteCache(dir, 'dbnet', RT);
    deleteCache(dir, 'dbnet', RT);
    deleteCache(dir, '', RT);
    expect(readdirSync(path.join(dir, 'results'))).toEqual([]);
  });
});

function put(name: string, content: string) {
  mkdirSync(path.join(dir, 'results'), { recursive: true });
  writeFileSync(path.join(dir, 'results', name), content);
}

describe('readCachedResult', () => {

  it('converts to the list version and is undefined when nothing is cached', () => {
    writeCache(dir, RESULT, enc(CONFIG), 'dbnet', RT);
    expect(readCachedResult(dir, 'dbnet', '0.4.0', RT)).toEqual({
      cniVersion: '0.4.0',
      interfaces: [{ name: 'eth0', mac: '99:88:77:66:55:44', sandbox: '/var/run/netns/blue' }],
      ips: [{ version: '4', address: '10.1.0.5/16', gateway: '10.1.0.1', interface: 0 }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }],
      dns: {},
    });
    expect(readCachedResult(dir, 'other', '1.1.0', RT)).toBeUndefined();
  });

  it('reads the legacy format (a bare result)', () => {
    put('n-c1-eth0', '{"cniVersion":"0.3.1","ips":[{"version":"4","address":"10.0.0.9/24"}]}');
    expect(readCachedResult(dir, 'n', '1.0.0', RT)).toMatchObject({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.9/24' }] });
  });

  it('throws on an empty or corrupt entry (libcni #1055), so DEL can drop it', () => {
    put('n-c1-eth0', '');
    expect(() => readCachedResult(dir, 'n', '1.0.0', RT)).toThrow('unexpected end of JSON input');
    put('n-c1-eth0', '{"kind":"cniCacheV1","result":{"cniVersion":"9.9.9"}}');
    expect(() => readCachedResult(dir, 'n', '1.0.0', RT)).toThrow('unsupported CNI result version "9.9.9"');
  });

  it('reads what podman writes', () => {
    put(`labbr-${PODMAN_CONTAINER_ID}-eth0`, podmanCache());
    const rt = { containerId: PODMAN_CONTAINER_ID, netns: '', ifName: 'eth0' };
    expect(readCachedResult(dir, 'labbr', '0.4.0', rt)).toMatchObject({
      cniVersion: '0.4.0',
      ips: [{ version: '4', interface: 2, address: '10.99.0.2/24', gateway: '10.99.0.1' }],
    });
    expect(new TextDecoder().decode(readCachedConfig(dir, 'labbr', rt)!.config)).toBe(PODMAN_CONFLIST);
    expect(readCachedConfig(dir, 'labbr', rt)!.rt.args).toEqual([['IgnoreUnknown', '1'], ['K8S_POD_NAME', 'web']]);
  });
});

describe('cachedAttachments', () => {
  it('lists valid V1 entries sorted, filtered by container id as libcni does', () => {
    writeCache(dir, RESULT, enc(CONFIG), 'dbnet', { ...RT, containerId: 'c2' });
    writeCache(dir, RESULT, enc(CONFIG), 'dbnet', RT);
    writeCache(dir, RESULT, enc(CONFIG), 'other', { ...RT, ifName: 'net1' });
    mkdirSync(path.join(dir, 'results'), { recursive: true });
    writeFileSync(path.join(dir, 'results', `labbr-${PODMAN_CONTAINER_ID}-eth0`), podmanCache());
    writeFileSync(path.join(dir, 'results', 'legacy-c1-eth0'), '{"cniVersion":"0.3.1"}');
    writeFileSync(path.join(dir, 'results', 'empty-c1-eth0'), '');
    writeFileSync(path.join(dir, 'results', '.dbnet-c9-eth0.1.x.tmp'), cacheBytes(RESULT, enc(CONFIG), 'dbnet', { ...RT, containerId: 'c9' }));
    const all = cachedAttachments(dir);
    expect(all.map((a) => `${a.network}/${a.containerId}/${a.ifName}`)).toEqual(['dbnet/c1/eth0', 'dbnet/c2/eth0', `labbr/${PODMAN_CONTAINER_ID}/eth0`, 'other/c1/net1']);
    expect(all[2]).toMatchObject({ netns: PODMAN_NETNS, cniArgs: [['IgnoreUnknown', '1'], ['K8S_POD_NAME', 'web']] });
    expect(cachedAttachments(dir, 'c1').map((a) => a.network)).toEqual(['dbnet', 'other']);
    expect(cachedAttachments(path.join(dir, 'none'))).toEqual([]);
  });
});

describe('untrusted names (issue 18)', () => {
  const victim = () => {
    const v = mkdtempSync(path.join(tmpdir(), 'cnits-chain-victim-'));
    writeFileSync(path.join(v, 'precious'), 'not a result');
    return v;
  };

  it('a name that is a path never names a file: every part is checked with the skeleton rules', () => {
    const v = victim();
    try {
      const up = `/${'../'.repeat(20)}${path.join(v, 'precious').slice(1)}`;
      for (const [net, rt] of [
        ['dbnet', { ...RT, ifName: up }],
        ['dbnet', { ...RT, ifName: '..' }],
        ['dbnet', { ...RT, ifName: 'a:b' }],
        ['dbnet', { ...RT, containerId: `c/${up}` }],
        ['../../x', RT],
        ['.', RT],
      ] as const) {
        expect(() => cacheFilePath(dir, net, rt)).toThrow(/interface name|containerID|network name/);
        expect(() => writeCache(dir, RESULT, enc(CONFIG), net, rt)).toThrow();
        expect(() => readCachedResult(dir, net, '1.1.0', rt)).toThrow();
        expect(() => readCachedConfig(dir, net, rt)).toThrow();
        deleteCache(dir, net, rt);
      }
      expect(readFileSync(path.join(v, 'precious'), 'utf8')).toBe('not a result');
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(v, { recursive: true, force: true });
    }
  });

  it('cachedAttachments skips entries whose names no ADD could have used', () => {
    writeCache(dir, RESULT, enc(CONFIG), 'dbnet', RT);
    const bad = JSON.parse(cacheBytes(RESULT, enc(CONFIG), 'dbnet', RT)) as Record<string, unknown>;
    writeFileSync(path.join(dir, 'results', 'dbnet-c1-x'), JSON.stringify({ ...bad, ifName: '../../etc' }));
    writeFileSync(path.join(dir, 'results', 'dbnet-c1-y'), JSON.stringify({ ...bad, networkName: '../n' }));
    expect(cachedAttachments(dir, 'c1').map((a) => `${a.network}/${a.ifName}`)).toEqual(['dbnet/eth0']);
    expect(cachedAttachments(dir).map((a) => `${a.network}/${a.ifName}`)).toEqual(['dbnet/eth0']);
  });
});
