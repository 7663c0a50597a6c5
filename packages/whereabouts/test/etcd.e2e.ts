// whereabouts on a real 3-member etcd cluster (Debian's etcd-server, on loopback ports): 64
// concurrent ADDs from 4 nodes (separate processes), the same with a member killed in the
// middle, and the whole cluster down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdClient } from '../src/etcd/client';
import { PREFIX } from '../src/etcd/store';
import { cmdAdd, cmdCheck, cmdDel, cmdGc, type IpamDeps } from '../src/ipam';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster';
import { runNodes, type CallResult } from './nodes';
import { NO_FLAT_FILE } from './stub';

let etcd: EtcdCluster;
beforeAll(async () => {
  etcd = await startEtcdCluster(3);
}, 30_000);
afterAll(() => etcd?.close());

const conf = (ipam: Record<string, unknown>, endpoints = etcd.endpoints) => ({
  cniVersion: '1.0.0',
  name: 'wa-etcd',
  type: 'macvlan',
  ipam: { type: 'whereabouts', datastore: 'etcd', etcd_host: endpoints.join(','), ...ipam },
});
const deps: IpamDeps = { loadOptions: NO_FLAT_FILE, timeoutMs: 30_000 };
const env = (node: string) => ({ NODENAME: node });

/** The pool's keys and their container ids, read straight from etcd. */
async function stored(pool: string): Promise<Map<string, string>> {
  const c = new EtcdClient({ endpoints: etcd.endpoints });
  try {
    const kvs = await c.range(`${PREFIX}/pools/${pool}/`, true);
    return new Map(kvs.map((kv) => [kv.key.split('/').at(-1)!, (JSON.parse(kv.value) as { id: string }).id]));
  } finally {
    c.close();
  }
}

function expectAllDistinct(results: CallResult[], n: number): string[] {
  expect(results.filter((r) => !r.ok)).toEqual([]);
  const ips = results.flatMap((r) => r.ips!);
  expect(ips).toHaveLength(n);
  expect(new Set(ips).size).toBe(n);
  return ips;
}

describe('whereabouts on etcd', () => {
  it('64 concurrent ADDs from 4 nodes: 64 distinct addresses, each stored once, no error; DEL frees them', async () => {
    const config = conf({ range: '10.88.0.1-10.88.0.64/25', network_name: 'e64' });
    const t = Date.now();
    const results = await runNodes(4, 16, { command: 'ADD', config, podNamespace: 'default', flatFiles: NO_FLAT_FILE.flatFiles });
    console.log(`etcd: 64 ADDs in ${Date.now() - t} ms`);
    expectAllDistinct(results, 64);
    const keys = await stored('e64-10.88.0.0-25');
    expect(keys.size).toBe(64);
    expect(new Set(keys.values())).toEqual(new Set(results.map((r) => `ctr-${r.id}`)));
    await expect(cmdAdd({ containerId: 'c65', ifname: 'net1', config, args: '', env: {} }, deps)).rejects.toThrow(
      'error at storage engine: Could not allocate IP in range: ip: 10.88.0.1 / - 10.88.0.64 / range: 10.88.0.0/25 / excludeRanges: []',
    );
    const dels = await runNodes(4, 16, { command: 'DEL', config, podNamespace: 'default', flatFiles: NO_FLAT_FILE.flatFiles });
    expect(dels.filter((r) => !r.ok)).toEqual([]);
    expect((await stored('e64-10.88.0.0-25')).size).toBe(0);
  });

  it('a member killed in the middle: no duplicate, no lost reservation, ADDs resume', async () => {
    const config = conf({ range: '10.89.0.1-10.89.0.64/25', network_name: 'kill' });
    let done = 0;
    let killed = false;
    const results = await runNodes(4, 16, { command: 'ADD', config, podNamespace: 'default', flatFiles: NO_FLAT_FILE.flatFiles }, () => {
      if (++done === 8 && !killed) {
        killed = true;
        etcd.kill(0);
      }
    });
    expect(killed).toBe(true);
    expectAllDistinct(results, 64);
    // Every ADD's address is stored once, for its container; nothing else is.
    const keys = await stored('kill-10.89.0.0-25');
    expect(keys.size).toBe(64);
    const byContainer = new Map(results.map((r) => [`ctr-${r.id}`, r.ips![0]!.split('/')[0]!]));
    for (const [offset, id] of keys) expect(byContainer.get(id)).toBe(`10.89.0.${offset}`);
    // With one member gone, ADDs and DELs go on.
    const again = await cmdAdd({ containerId: 'after', ifname: 'net1', config: conf({ range: '10.90.0.0/24' }), args: '', env: {} }, deps);
    expect(again.ips).toEqual([{ address: '10.90.0.1/24' }]);
    const dels = await runNodes(2, 32, { command: 'DEL', config, podNamespace: 'default', flatFiles: NO_FLAT_FILE.flatFiles });
    expect(dels.filter((r) => !r.ok)).toEqual([]);
  });

  it('CHECK and GC without Kubernetes (no pod name): per container and interface, this node only', async () => {
    const config = conf({ range: '10.91.0.0/24' });
    await cmdAdd({ containerId: 'a', ifname: 'eth0', config, args: '', env: env('h1') }, deps);
    await cmdAdd({ containerId: 'b', ifname: 'eth0', config, args: '', env: env('h1') }, deps);
    await cmdAdd({ containerId: 'c', ifname: 'eth0', config, args: '', env: env('h2') }, deps);
    await cmdCheck({ containerId: 'a', ifname: 'eth0', config, args: '', env: env('h1') }, deps);
    await expect(cmdCheck({ containerId: 'a', ifname: 'eth1', config, args: '', env: env('h1') }, deps)).rejects.toThrow('whereabouts: no address in 10.91.0.0/24 for container a interface eth1');
    const gc = { ...config, cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: 'a', ifname: 'eth0' }] };
    expect(await cmdGc({ containerId: '', ifname: '', config: gc, env: env('h1') }, deps)).toEqual(['10.91.0.2']);
    expect([...(await stored('10.91.0.0-24')).values()].toSorted()).toEqual(['a', 'c']);
    await cmdDel({ containerId: 'a', ifname: 'eth0', config, args: '', env: env('h1') }, deps);
    await cmdDel({ containerId: 'c', ifname: 'eth0', config, args: '', env: env('h2') }, deps);
  });

  it('an endpoint that is down is skipped', async () => {
    const r = await cmdAdd({ containerId: 'skip', ifname: 'net1', config: conf({ range: '10.93.0.0/24' }, ['127.0.0.1:1', ...etcd.endpoints.slice(1)]), args: '', env: {} }, deps);
    expect(r.ips).toEqual([{ address: '10.93.0.1/24' }]);
  });

  it('etcd down entirely: a clear CNI error, within the unavailability budget', async () => {
    const { createServer } = await import('node:net');
    // Ports nothing listens on: connections are refused.
    const dead = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<string>((resolve) => {
            const s = createServer().listen(0, '127.0.0.1', () => {
              const { port } = s.address() as { port: number };
              s.close(() => resolve(`127.0.0.1:${port}`));
            });
          }),
      ),
    );
    const t = Date.now();
    const err = await cmdAdd({ containerId: 'x', ifname: 'net1', config: conf({ range: '10.92.0.0/24' }, dead), args: '', env: {} }, { ...deps, storeOptions: { unavailableMs: 2_000 } }).catch(
      (e: Error) => e,
    );
    const took = Date.now() - t;
    expect((err as Error).message).toMatch(/^error at storage engine: etcd: no endpoint reachable \(127\.0\.0\.1:\d+: connect ECONNREFUSED 127\.0\.0\.1:\d+; /);
    expect(took).toBeLessThan(8_000);
  });
});
