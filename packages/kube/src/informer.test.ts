// The informer against the stand-in API server: list in pages, watch, resume after the server
// ends a watch, 410 Gone -> re-list with the deletions of the gap, an API server restart,
// resync, selectors, handler failures; and KubeClient.watch's own answers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@cni-ts/testkit';
import { podObject, startStub, writeKubeconfig, type K8sStub } from '../../../e2e/src/k8s-stub/index';
import { loadKubeClient, type KubeClient } from './client';
import { Informer, objectKey } from './informer';

let stub: K8sStub;
let client: KubeClient;
const dir = mkdtempSync(path.join(tmpdir(), 'cnits-informer-'));
const running: Informer[] = [];

beforeAll(async () => {
  stub = await startStub();
  client = (await loadKubeClient({ kubeconfig: writeKubeconfig(path.join(dir, 'kc'), { server: stub.url }), env: {} }))!;
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((i) => i.stop()));
});
afterAll(async () => {
  await stub.close();
  rmSync(dir, { recursive: true, force: true });
});


function record(inf: Informer) {
  const log: string[] = [];
  inf.on({
    add: (o) => log.push(`add ${objectKey(o)}`),
    update: (a, b) => log.push(`update ${objectKey(b)}${a === b ? ' (resync)' : ''}`),
    delete: (o) => log.push(`delete ${objectKey(o)}`),
    listed: () => log.push('listed'),
  });
  return log;
}

const q = (r: { query: string }) => Object.fromEntries(new URLSearchParams(r.query));
const ns = () => `inf-${Math.random().toString(36).slice(2, 8)}`;
const informer = (n: string, extra: Partial<ConstructorParameters<typeof Informer>[1]> = {}) => {
  const inf = new Informer(client, { path: `/api/v1/namespaces/${n}/pods`, backoffMs: { initial: 20, max: 200 }, ...extra });
  running.push(inf);
  return inf;
};

describe('Informer', () => {
  it('lists in pages, then follows the watch: adds, updates, deletes', async () => {
    const n = ns();
    for (let i = 0; i < 5; i++) stub.put('pods', podObject({ namespace: n, name: `p${i}` }));
    const inf = informer(n, { pageSize: 2 });
    const log = record(inf);
    await inf.start().whenSynced();
    expect(inf.list().map(objectKey).toSorted()).toEqual([0, 1, 2, 3, 4].map((i) => `${n}/p${i}`));
    expect(stub.calls('GET', new RegExp(`/namespaces/${n}/pods$`)).map((r) => q(r).limit)).toEqual(['2', '2', '2']);
    stub.put('pods', podObject({ namespace: n, name: 'p5' }));
    stub.mutate('pods', n, 'p1', (o) => ((o.metadata!.labels as Record<string, string>).x = 'y'));
    stub.delete('pods', n, 'p2');
    await until('events', () => log.length === 9);
    expect(log.slice(5)).toEqual(['listed', `add ${n}/p5`, `update ${n}/p1`, `delete ${n}/p2`]);
    expect((inf.get(n, 'p1')!.metadata as { labels: Record<string, string> }).labels.x).toBe('y');
    expect(inf.get(n, 'p2')).toBeUndefined();
    expect(inf.resourceVersion).toBe(stub.resourceVersion);
  });

  it('resumes from its resourceVersion when the server ends the watch, missing nothing', async () => {
    const n = ns();
    const inf = informer(n, { watchTimeoutSeconds: 1 });
    const log = record(inf);
    await inf.start().whenSynced();
    await until('two watches', () => inf.stats.watches >= 2, 5000);
    stub.put('pods', podObject({ namespace: n, name: 'late' }));
    await until('add', () => log.includes(`add ${n}/late`));
    expect(inf.stats.lists).toBe(1);
    const watches = stub.calls('GET', new RegExp(`/namespaces/${n}/pods$`)).filter((r) => q(r).watch === 'true');
    expect(Number(q(watches[1]!).timeoutSeconds)).toBeGreaterThanOrEqual(1);
    expect(Number(q(watches[1]!).resourceVersion)).toBeGreaterThan(0);
  });

  it('re-lists on 410 Gone and reports what changed in the gap (deletions included)', async () => {
    const n = ns();
    stub.put('pods', podObject({ namespace: n, name: 'a' }));
    stub.put('pods', podObject({ namespace: n, name: 'b' }));
    const inf = informer(n);
    const log = record(inf);
    await inf.start().whenSynced();
    // The API server goes away; meanwhile b is deleted, c created, a changed, and the history compacted.
    const port = Number(new URL(stub.url).port);
    await stub.close();
    stub.delete('pods', n, 'b');
    stub.put('pods', podObject({ namespace: n, name: 'c' }));
    stub.mutate('pods', n, 'a', (o) => ((o.metadata!.labels as Record<string, string>).v = '2'));
    stub.compact();
    await new Promise((r) => setTimeout(r, 100));
    await stub.start(port);
    await until('re-list', () => inf.stats.lists === 2);
    expect(inf.stats.expired).toBe(1);
    expect(inf.stats.errors).toBeGreaterThan(0); // connection refused while it was down
    expect(log.slice(3).toSorted()).toEqual([`add ${n}/c`, `delete ${n}/b`, 'listed', `update ${n}/a`].toSorted());
    expect(inf.list().map(objectKey).toSorted()).toEqual([`${n}/a`, `${n}/c`]);
  });

  it('after a restart without compaction, the watch resumes from the history (no re-list)', async () => {
    const n = ns();
    const inf = informer(n);
    const log = record(inf);
    await inf.start().whenSynced();
    const port = Number(new URL(stub.url).port);
    await stub.close();
    stub.put('pods', podObject({ namespace: n, name: 'while-down' }));
    await stub.start(port);
    await until('add', () => log.includes(`add ${n}/while-down`));
    expect(inf.stats.lists).toBe(1);
  });

  it('resyncs: every cached object to update again', async () => {
    const n = ns();
    stub.put('pods', podObject({ namespace: n, name: 'a' }));
    const inf = informer(n, { resyncMs: 50 });
    const log = record(inf);
    await inf.start().whenSynced();
    await until('resyncs', () => log.filter((l) => l.endsWith('(resync)')).length >= 2);
  });

  it('passes selectors to list and watch; objects leaving the selection are deleted', async () => {
    const n = ns();
    stub.put('pods', podObject({ namespace: n, name: 'on', nodeName: 'n1', labels: { app: 'x' } }));
    stub.put('pods', podObject({ namespace: n, name: 'off', nodeName: 'n2', labels: { app: 'x' } }));
    const inf = informer(n, { labelSelector: 'app=x', fieldSelector: 'spec.nodeName=n1' });
    const log = record(inf);
    await inf.start().whenSynced();
    expect(inf.list().map(objectKey)).toEqual([`${n}/on`]);
    stub.mutate('pods', n, 'on', (o) => ((o.metadata!.labels as Record<string, string>).app = 'y'));
    await until('delete', () => log.includes(`delete ${n}/on`));
    const sel = stub.calls('GET', new RegExp(`/namespaces/${n}/pods$`)).map((r) => `${q(r).labelSelector} ${q(r).fieldSelector}`);
    expect(new Set(sel)).toEqual(new Set(['app=x spec.nodeName=n1']));
  });

  it('a failing handler does not stop the cache or the other handlers', async () => {
    const n = ns();
    const msgs: string[] = [];
    const inf = informer(n, { log: (m) => msgs.push(m) });
    inf.on({
      add: () => {
        throw new Error('boom');
      },
    });
    const log = record(inf);
    await inf.start().whenSynced();
    stub.put('pods', podObject({ namespace: n, name: 'a' }));
    stub.put('pods', podObject({ namespace: n, name: 'b' }));
    await until('adds', () => log.length === 3);
    expect(msgs.filter((m) => m.includes('add handler failed: boom'))).toHaveLength(2);
  });

  it('backs off on errors and re-lists after an API error', async () => {
    const n = ns();
    stub.fault({ method: 'GET', path: new RegExp(`/namespaces/${n}/pods$`), status: 503, times: 2 });
    const inf = informer(n);
    await inf.start().whenSynced();
    expect(inf.stats.errors).toBe(2);
    expect(inf.stats.lists).toBe(1);
  });
});

describe('KubeClient.watch', () => {
  it('ends a silent stream after idleTimeoutMs', async () => {
    const n = ns();
    const t0 = Date.now();
    const w = await client.watch(`/api/v1/namespaces/${n}/pods?watch=true`, () => {}, { idleTimeoutMs: 200 });
    await w.done;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });
});

describe('Informer options', () => {
  it('an option passed as undefined takes its default', async () => {
    const n = ns();
    const inf = new Informer(client, { path: `/api/v1/namespaces/${n}/pods`, backoffMs: undefined, resyncMs: undefined, pageSize: undefined });
    running.push(inf);
    await inf.start().whenSynced();
    expect(inf.synced).toBe(true);
  });
});
