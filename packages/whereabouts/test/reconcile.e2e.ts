// The reconciler against the stand-in API server: pods deleted while their node was down lose
// their addresses, a live pod of the same name (a StatefulSet's next instance) keeps its own.
import { loadKubeClient } from '@cni-ts/kube';
import { until } from '@cni-ts/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podObject, type KubeObject } from '../../../e2e/src/k8s-stub/index';
import { cmdAdd, type IpamDeps } from '../src/ipam';
import { KubernetesStore } from '../src/k8s/store';
import { main } from '../src/reconcile/main';
import { reconcile } from '../src/reconcile/reconcile';
import { NO_FLAT_FILE, NS, podArgs, whereaboutsStub, type WaStub } from './stub';

let wa: WaStub;
let store: KubernetesStore;
beforeAll(async () => {
  wa = await whereaboutsStub();
  // The client the command makes (its user agent tells its requests apart in the record).
  const client = (await loadKubeClient({ kubeconfig: wa.kubeconfig, env: {}, userAgent: 'whereabouts-reconciler-cni-ts' }))!;
  store = new KubernetesStore(client, { networkName: '', overlappingRanges: true });
});
afterAll(() => wa.close());

const deps: IpamDeps = { loadOptions: NO_FLAT_FILE, timeoutMs: 20_000 };
const POOLS = 'ippools.whereabouts.cni.cncf.io';
const ORIPS = 'overlappingrangeipreservations.whereabouts.cni.cncf.io';
const allocations = (pool: string) => (wa.stub.get(POOLS, NS, pool)!.spec as { allocations: Record<string, { podref: string; id: string }> }).allocations;
const status = (ip: string) => JSON.stringify([{ name: 'cluster', interface: 'eth0', ips: ['10.244.0.9'], default: true }, { name: 'default/wa', interface: 'net1', ips: [ip] }]);

function runningPod(name: string, node: string, ip?: string, extra: Partial<{ phase: string; conditions: unknown[] }> = {}): KubeObject {
  const pod = podObject({ namespace: 'default', name, nodeName: node, annotations: ip ? { 'k8s.v1.cni.cncf.io/network-status': status(ip) } : {}, status: { phase: extra.phase ?? 'Running', conditions: extra.conditions ?? [] } });
  (pod.spec as Record<string, unknown>).terminationGracePeriodSeconds = 30;
  return pod;
}

async function apiDelete(name: string, body?: unknown) {
  await fetch(`${wa.stub.url}/api/v1/namespaces/default/pods/${name}`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
}

describe('reconciler', () => {
  it('a pod deleted while its node was down has its address released; a terminating pod keeps it until then', async () => {
    const config = wa.conf({ range: '10.80.0.0/24' });
    const r = await cmdAdd({ containerId: 'c-web', ifname: 'net1', config, args: podArgs('default', 'web-1'), env: {} }, deps);
    const ip = r.ips[0]!.address.split('/')[0]!;
    wa.stub.put('pods', runningPod('web-1', 'node-down', ip));
    // The node is down: the deletion waits for its kubelet.
    await apiDelete('web-1');
    expect(wa.stub.get('pods', 'default', 'web-1')?.metadata?.deletionTimestamp).toBeTruthy();
    let s = await reconcile(store);
    expect(s.released).toEqual([]);
    // Force-deleted (kubectl delete --force --grace-period=0): gone from the API; its kubelet never ran DEL.
    await apiDelete('web-1', { gracePeriodSeconds: 0 });
    s = await reconcile(store);
    expect(s.released).toEqual([`10.80.0.0-24/${ip}`]);
    expect(s.reservationsDeleted).toEqual([]);
    expect(allocations('10.80.0.0-24')).toEqual({});
    expect(wa.stub.get(ORIPS, NS, ip)).toBeUndefined();
  });

  it('a StatefulSet pod recreated under the same name keeps its address: while Pending, without status, and once running', async () => {
    const config = wa.conf({ range: '10.81.0.0/24' });
    const first = await cmdAdd({ containerId: 'c-db-old', ifname: 'net1', config, args: podArgs('default', 'db-0'), env: {} }, deps);
    const ip = first.ips[0]!.address.split('/')[0]!;
    // Node down, db-0 force-deleted; the StatefulSet controller creates db-0 again elsewhere at once.
    wa.stub.put('pods', runningPod('db-0', 'node-c', undefined, { phase: 'Pending' }));
    expect((await reconcile(store)).released).toEqual([]);
    // Scheduled and started, but Multus has not written its status yet.
    wa.stub.mutate('pods', 'default', 'db-0', (p) => void ((p.status as { phase: string }).phase = 'Running'));
    expect((await reconcile(store)).released).toEqual([]);
    // Its ADD gets the same address back (same pod and interface), and the status lists it.
    const again = await cmdAdd({ containerId: 'c-db-new', ifname: 'net1', config, args: podArgs('default', 'db-0'), env: {} }, deps);
    expect(again.ips[0]!.address).toBe(first.ips[0]!.address);
    wa.stub.put('pods', runningPod('db-0', 'node-c', ip));
    expect((await reconcile(store)).released).toEqual([]);
    expect(Object.values(allocations('10.81.0.0-24')).map((a) => a.id)).toEqual(['c-db-new']);
    expect(wa.stub.get(ORIPS, NS, ip)).toBeDefined();
  });

  it('an address missing from a running pod status, an evicted pod, a stray reservation: released; an in-flight claim: kept', async () => {
    const config = wa.conf({ range: '10.82.0.0/24' });
    await cmdAdd({ containerId: 'c-a', ifname: 'net1', config, args: podArgs('default', 'moved'), env: {} }, deps);
    await cmdAdd({ containerId: 'c-b', ifname: 'net1', config, args: podArgs('default', 'evicted'), env: {} }, deps);
    wa.stub.put('pods', runningPod('moved', 'node-a', '10.99.0.1'));
    wa.stub.put('pods', runningPod('evicted', 'node-a', '10.82.0.2', { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager' }] }));
    wa.stub.put('pods', runningPod('starting', 'node-a', undefined, { phase: 'Pending' }));
    for (const [name, podref] of [['10.82.0.77', 'default/crashed-mid-add'], ['10.82.0.78', 'default/starting']]) {
      wa.stub.put(ORIPS, { apiVersion: 'whereabouts.cni.cncf.io/v1alpha1', kind: 'OverlappingRangeIPReservation', metadata: { name, namespace: NS }, spec: { podref, ifname: 'net1' } });
    }
    const s = await reconcile(store);
    expect(s.released.toSorted()).toEqual(['10.82.0.0-24/10.82.0.1', '10.82.0.0-24/10.82.0.2']);
    expect(s.reservationsDeleted).toEqual(['10.82.0.77']);
    expect(wa.stub.get(ORIPS, NS, '10.82.0.78')).toBeDefined();
    expect(allocations('10.82.0.0-24')).toEqual({});
  });

  it('the command: --once, exit 0', async () => {
    const code = await main(['--once', '--kubeconfig', wa.kubeconfig, '--log-level', 'error'], {});
    expect(code).toBe(0);
  });

  it('the command watches pod deletions: a force-deleted pod loses its address within seconds, not at the next scheduled pass', async () => {
    const config = wa.conf({ range: '10.83.0.0/24' });
    const r = await cmdAdd({ containerId: 'c-quick', ifname: 'net1', config, args: podArgs('default', 'quick-0'), env: {} }, deps);
    const ip = r.ips[0]!.address.split('/')[0]!;
    wa.stub.put('pods', runningPod('quick-0', 'node-gone', ip));
    const watches = () => wa.stub.calls('GET', /^\/api\/v1\/pods$/).filter((c) => c.verb === 'watch').length;
    const before = watches();
    const stop = new AbortController();
    // A schedule that will not come round during the test: only the watch can release it.
    const running = main(['--kubeconfig', wa.kubeconfig, '--schedule', '0 0 1 1 *', '--log-level', 'error'], {}, { signal: stop.signal });
    try {
      await until('the reconciler to watch pods', () => watches() > before, 30_000, 50);
      await apiDelete('quick-0', { gracePeriodSeconds: 0 });
      // The pool entry and the reservation go in two writes: wait for both.
      await until('the address released', () => Object.keys(allocations('10.83.0.0-24')).length === 0 && wa.stub.get(ORIPS, NS, ip) === undefined, 10_000, 100);
    } finally {
      stop.abort();
      expect(await running).toBe(0);
    }
  });

  it('least privilege: the reconciler role grants exactly what it used', async () => {
    const { load } = await import('js-yaml');
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const { DEPLOY } = await import('./stub');
    const docs = String(readFileSync(path.join(DEPLOY, 'rbac.yaml'), 'utf8'))
      .split(/^---$/m)
      .map((d) => load(d) as KubeObject)
      .filter(Boolean);
    const role = docs.find((d) => d.kind === 'ClusterRole' && d.metadata?.name === 'whereabouts-reconciler')!;
    const granted = new Set<string>();
    for (const rule of role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]) {
      for (const g of rule.apiGroups) for (const res of rule.resources) for (const v of rule.verbs) granted.add(`${v} ${g ? `${res}.${g}` : res}`);
    }
    // What the reconciler passes asked for (the ADDs above also ran here: only the reconciler's user agent counts).
    const used = new Set(wa.stub.requests.filter((r) => r.verb && String(r.headers['user-agent']).startsWith('whereabouts-reconciler')).map((r) => `${r.verb} ${r.resource}`));
    expect([...used].toSorted()).toEqual([...granted].toSorted());
  });
});
