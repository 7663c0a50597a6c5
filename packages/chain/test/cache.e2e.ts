// Cache files from other runtimes drive our DEL: an entry as podman (libcni 1.1.2) writes it,
// and the empty file a crash leaves behind with libcni's non-atomic write (#1055, #1149).
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkLeaks, tempPaths, link, testEnv } from '@cni-ts/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerIdFor } from '../src/cli/env';
import { cleanupPrepared, cniTs, netDir, oursDir, prepare } from './harness';

checkLeaks();
beforeAll(() => prepare(), 180_000);
afterAll(cleanupPrepared);

const temp = tempPaths();

function setup(tag: string) {
  const env = testEnv();
  const base = path.join(tmpdir(), `cnits-chain-cache-e2e-${process.pid}-${tag}`);
  rmSync(base, { recursive: true, force: true });
  temp.add(base);
  const network = `cnits-cache-${tag}`;
  const conflist = {
    cniVersion: '0.4.0',
    name: network,
    plugins: [{ type: 'bridge', bridge: 'cnitsbr9', isGateway: true, ipam: { type: 'host-local', dataDir: path.join(base, 'ipam'), ranges: [[{ subnet: '10.81.0.0/24', gateway: '10.81.0.1' }]] } }],
  };
  const dir = netDir({ [`10-${tag}.conflist`]: conflist });
  temp.add(dir);
  const vars = { NETCONFPATH: dir, CNI_PATH: oursDir(), CNI_TS_CACHE_DIR: path.join(base, 'cache'), CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web' };
  const cid = containerIdFor(env.container.path);
  const cacheFile = path.join(base, 'cache', 'results', `${network}-${cid}-eth0`);
  const leases = () => readdirSync(path.join(base, 'ipam', network)).filter((f) => /^\d/.test(f));
  return { env, vars, network, cid, cacheFile, leases, confBytes: readFileSync(path.join(dir, `10-${tag}.conflist`)) };
}

describe('DEL from a foreign cache entry', () => {
  it('reads an entry written the way podman writes it', () => {
    const t = setup('podman');
    const add = cniTs(t.env.host.name, ['add', t.network, t.env.container.path], t.vars);
    expect(add.status, add.stderr).toBe(0);
    expect(t.leases()).toEqual(['10.81.0.2']);
    const result = JSON.parse(add.stdout);
    // libcni 1.1.2's json.Marshal of cachedInfo, written by hand (not by our writer): the 0.4.0
    // result through a map (keys sorted), the conflist bytes as read, podman's CNI_ARGS.
    const sorted = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).toSorted().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
    writeFileSync(
      t.cacheFile,
      `{"kind":"cniCacheV1","containerId":"${t.cid}","config":"${t.confBytes.toString('base64')}","ifName":"eth0","networkName":"${t.network}",` +
        `"netns":"${t.env.container.path}","cniArgs":[["IgnoreUnknown","1"],["K8S_POD_NAME","web"]],"result":${JSON.stringify(sorted(result))}}`,
    );
    const del = cniTs(t.env.host.name, ['del', t.network, t.env.container.path, '-v'], t.vars);
    expect(del.status, del.stderr).toBe(0);
    expect(existsSync(t.cacheFile)).toBe(false);
    expect(t.leases()).toEqual([]);
    expect(link(t.env.container.name, 'eth0')).toBeUndefined();
  });

  it('is not blocked by an empty entry (libcni #1055)', () => {
    const t = setup('empty');
    expect(cniTs(t.env.host.name, ['add', t.network, t.env.container.path], t.vars).status).toBe(0);
    writeFileSync(t.cacheFile, '');
    const del = cniTs(t.env.host.name, ['del', t.network, t.env.container.path], t.vars);
    expect(del.status, del.stderr).toBe(0);
    expect(existsSync(t.cacheFile)).toBe(false);
    expect(t.leases()).toEqual([]);
    expect(link(t.env.container.name, 'eth0')).toBeUndefined();
  });
});

describe('bad conflists', () => {
  it('fail before any plugin runs, naming the file and the field', () => {
    const env = testEnv();
    const bad = {
      '10-json.conflist': '{"cniVersion": "1.0.0", "name": "json",\n  "plugins": [{"type": "bridge"}}',
      '20-type.conflist': { cniVersion: '1.0.0', name: 'type', plugins: [{ type: 'bridge' }, { mtu: 1400 }] },
      '30-name.conflist': { cniVersion: '1.0.0', name: 'name', plugins: [{ type: 'bridge', name: 'other' }] },
      '40-version.conflist': { cniVersion: '2.0.0', name: 'version', plugins: [{ type: 'bridge' }] },
    };
    const dir = netDir(bad);
    temp.add(dir);
    const f = (n: string) => path.join(dir, n);
    const vars = { NETCONFPATH: dir, CNI_PATH: oursDir(), CNI_TS_CACHE_DIR: path.join(dir, 'cache') };
    // Loading by name stops at the first malformed file, as libcni does, and names it.
    const add = cniTs(env.host.name, ['add', 'version', env.container.path], vars);
    expect(add).toMatchObject({ status: 1, stderr: `${f('10-json.conflist')}: line 2, column 33: error parsing configuration list: invalid character '}' after array element\n` });
    rmSync(f('10-json.conflist'));
    expect(cniTs(env.host.name, ['add', 'version', env.container.path], vars).stderr).toBe(
      `${f('20-type.conflist')}: plugins[1].type: failed to parse plugin config 1: error parsing configuration: missing 'type'\n`,
    );
    rmSync(f('20-type.conflist'));
    expect(cniTs(env.host.name, ['add', 'version', env.container.path], vars).stderr).toBe(
      `${f('40-version.conflist')}: cniVersion: unsupported CNI version "2.0.0" (known: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0)\n`,
    );
    const v = cniTs(env.host.name, ['validate', f('30-name.conflist')], vars);
    expect(v).toMatchObject({ status: 1, stdout: expect.stringContaining(`${f('30-name.conflist')}: plugins[0].name: "other" does not match the network name "name"`) });
    expect(link(env.container.name, 'eth0')).toBeUndefined();
    expect(existsSync(path.join(dir, 'cache'))).toBe(false);
  });
});
