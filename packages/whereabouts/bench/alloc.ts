// Allocations per second of whereabouts' stores at 1, 8 and 64 concurrent ADDs (`pnpm bench`
// runs it; or directly:
//   node --conditions=source --import packages/testkit/src/ts-hooks.mjs packages/whereabouts/bench/alloc.ts [--n 64] [--json]
// Each ADD is a whole command as a plugin exec runs it (config load, its own API client or etcd
// client, the allocation), all in this process, so what is measured is the store protocol and
// the server, not process start-up. The Kubernetes store runs against the stand-in API server in
// a process of its own (no kube-apiserver here), once with our pool writes (the entry's own JSON
// Patch test) and once with whereabouts' (a test of the pool's resourceVersion: every concurrent
// writer of the pool conflicts); etcd is a real 3-member cluster on loopback (Debian etcd-server).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadAll } from 'js-yaml';
import { startStubProcess, writeKubeconfig } from '../../../e2e/src/k8s-stub/index';
import { cmdAdd, cmdDel } from '../src/ipam';
import { startEtcdCluster } from '../test/etcd-cluster';

const { values } = parseArgs({ options: { n: { type: 'string', default: '64' }, json: { type: 'boolean' }, only: { type: 'string' } } });
const N = Number(values.n);
const LEVELS = [1, 8, 64];
const NO_FLAT = { flatFiles: ['/nonexistent/whereabouts.conf'] };

interface Row {
  store: string;
  concurrency: number;
  perSecond: number;
  ms: number;
  errors: number;
  note?: string;
}

async function pool<T>(n: number, c: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(c, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

let rangeNo = 0;
async function measure(store: string, config: (net: string) => unknown, extra: Record<string, unknown> = {}): Promise<Row[]> {
  const rows: Row[] = [];
  // Warm-up (compiled code, connections): 8 ADDs and their DELs, not measured.
  {
    const conf = config(`w${process.pid}x${rangeNo++}`);
    const deps = { loadOptions: NO_FLAT, timeoutMs: 120_000, storeOptions: extra };
    const req = (i: number) => ({ containerId: `warm-${i}`, ifname: 'net1', config: conf, args: `IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=w${i}`, env: { NODENAME: 'bench' } });
    await pool(8, 4, (i) => cmdAdd(req(i), deps));
    await pool(8, 4, (i) => cmdDel(req(i), deps));
  }
  for (const c of LEVELS) {
    const net = `b${process.pid}x${rangeNo++}`;
    const conf = config(net);
    const deps = { loadOptions: NO_FLAT, timeoutMs: 120_000, storeOptions: extra };
    const req = (i: number) => ({ containerId: `bench-${net}-${i}`, ifname: 'net1', config: conf, args: `IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=p${i}`, env: { NODENAME: 'bench' } });
    const t = performance.now();
    const results = await pool(N, c, (i) => cmdAdd(req(i), deps).then((r) => r.ips[0]!.address, (e: Error) => `ERR ${e.message}`));
    const ms = performance.now() - t;
    const errors = results.filter((r) => r.startsWith('ERR')).length;
    const distinct = new Set(results.filter((r) => !r.startsWith('ERR'))).size;
    rows.push({ store, concurrency: c, perSecond: (N - errors) / (ms / 1000), ms, errors, note: distinct !== N - errors ? `DUPLICATES: ${N - errors - distinct}` : errors ? results.find((r) => r.startsWith('ERR')) : undefined });
    await pool(N, 8, (i) => cmdDel(req(i), deps).catch(() => undefined));
  }
  return rows;
}

async function kubernetes(): Promise<Row[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cnits-wa-bench-'));
  const crds = loadAll(readFileSync(path.resolve(import.meta.dirname, '../deploy/crds.yaml'), 'utf8'));
  const crdFile = path.join(dir, 'crds.json');
  writeFileSync(crdFile, JSON.stringify(crds));
  const stub = await startStubProcess(['--crd', crdFile]);
  try {
    await fetch(`${stub.url}/api/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'kube-system' } }) });
    const kubeconfig = writeKubeconfig(path.join(dir, 'kubeconfig'), { server: stub.url, namespace: 'kube-system' });
    const config = (net: string) => ({ cniVersion: '1.0.0', name: 'bench', type: 'macvlan', ipam: { type: 'whereabouts', kubernetes: { kubeconfig }, range: '10.200.0.0/16', network_name: net } });
    return [
      ...(await measure('Kubernetes (stand-in), our pool writes', config)),
      ...(await measure("Kubernetes (stand-in), whereabouts' resourceVersion guard", config, { guard: 'resourceVersion' })),
    ];
  } finally {
    await stub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function etcd(): Promise<Row[]> {
  const cluster = await startEtcdCluster(3);
  try {
    const config = (net: string) => ({ cniVersion: '1.0.0', name: 'bench', type: 'macvlan', ipam: { type: 'whereabouts', datastore: 'etcd', etcd_host: cluster.endpoints.join(','), range: '10.201.0.0/16', network_name: net } });
    return await measure('etcd (3 members)', config);
  } finally {
    await cluster.close();
  }
}

const rows: Row[] = [];
if (!values.only || 'kubernetes'.includes(values.only)) rows.push(...(await kubernetes()));
if (!values.only || 'etcd'.includes(values.only)) rows.push(...(await etcd()));
if (values.json) {
  process.stdout.write(`${JSON.stringify(rows)}\n`);
} else {
  const stores = [...new Set(rows.map((r) => r.store))];
  const cell = (s: string, c: number) => {
    const r = rows.find((x) => x.store === s && x.concurrency === c);
    return r ? `${r.perSecond.toFixed(0)}${r.note ? ` (${r.note})` : ''}` : '–';
  };
  process.stdout.write(`| store | ${LEVELS.map((c) => `${c} at once`).join(' | ')} |\n|---|${LEVELS.map(() => '---:').join('|')}|\n`);
  for (const s of stores) process.stdout.write(`| ${s} | ${LEVELS.map((c) => cell(s, c)).join(' | ')} |\n`);
}
