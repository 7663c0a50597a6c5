// The seed's multus-service demo, end to end on the stand-in API server and real namespaces
// (test/cluster.ts: Multus attaches three pods to a dual-stack macvlan NAD): the controller and
// the proxy run here, the client pod reaches the Service over net1 and both backends answer; a
// deleted backend leaves the slice and the client's rules within a second; the Service's
// deletion leaves no rule or route in any netns; dual-stack with session affinity; headless
// (slices only, no rules); an API server restart with a compacted history and a proxy restart
// (re-list, no duplicate slices, no stale rules). Each backend runs the scenarios.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLeaks, NODE } from '@cni-ts/testkit';
import { loadKubeClient } from '@cni-ts/kube';
import { ServiceController } from '../src/controller';
import type { EndpointSlice } from '../src/kube-types';
import type { RuleBackend } from '../src/proxy/backend';
import { IptablesBackend } from '../src/proxy/iptables';
import { NftablesBackend } from '../src/proxy/nftables';
import { CniCacheResolver } from '../src/proxy/netns';
import type { PodPlan } from '../src/proxy/plan';
import { MultusProxy } from '../src/proxy/proxy';
import { SOURCE_NODE } from '@cni-ts/testkit';
import { curl, longConnection, ourRules, rulesIn, service, startDemo, timings, until, NODE_NAME, type Demo } from './cluster';

let demo: Demo;
checkLeaks();
beforeAll(async () => {
  const t = Date.now();
  demo = await startDemo();
  console.log(`demo set-up ${Date.now() - t} ms: ${timings.join(', ')}`);
}, 180_000);
afterAll(async () => {
  await demo?.close();
});

const BACKENDS: Record<string, () => RuleBackend> = {
  nftables: () => new NftablesBackend(),
  iptables: () => new IptablesBackend(),
};

/** What the proxy last wrote into each pod's netns (by pod name), and when. */
const applied = new Map<string, { at: number; plan: PodPlan }>();
const endpointsOf = (pod: string) => applied.get(pod)?.plan.services.flatMap((s) => s.endpoints.map((e) => e.ip)) ?? [];
const vipsOf = (pod: string) => applied.get(pod)?.plan.services.map((s) => s.clusterIP) ?? [];

async function start(backend: RuleBackend, which: { controller?: boolean; proxy?: boolean } = { controller: true, proxy: true }) {
  const client = (await loadKubeClient({ kubeconfig: demo.kubeconfig, env: {} }))!;
  const fast = { backoffMs: { initial: 20, max: 300 } };
  const controller = which.controller ? new ServiceController(client, { ...fast }) : undefined;
  const proxy = which.proxy
    ? new MultusProxy(client, {
        ...fast,
        nodeName: NODE_NAME,
        backend,
        resolver: new CniCacheResolver([demo.cniDir]),
        onApplied: (pod, plan) => applied.set(pod.metadata.name!, { at: Date.now(), plan }),
      })
    : undefined;
  await Promise.all([controller?.start(), proxy?.start()]);
  return {
    controller,
    proxy,
    async stop() {
      await Promise.all([controller?.stop(), proxy?.stop()]);
    },
  };
}

const slices = (name: string) => (demo.stub.list('endpointslices', demo.namespace) as unknown as EndpointSlice[]).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === name);
const sliceAddrs = (name: string, ready = true) => slices(name).flatMap((s) => (s.endpoints ?? []).filter((e) => !ready || e.conditions?.ready).flatMap((e) => e.addresses)).toSorted();
const names = (answers: string[]) => [...new Set(answers.map((a) => a.split(' ')[0]))].toSorted();

/** Requests in rounds of 8 until both backends answered (at most 40): random balancing, no flaky count. */
function untilBoth(url: string): string[] {
  const out: string[] = [];
  while (out.length < 40 && names(out).join() !== 'A,B') out.push(...curl(demo, url, 8));
  return out;
}
const allRules = () => rulesIn(...demo.netns);
const pods = () => [demo.pods.a, demo.pods.b, demo.pods.client];

/** Step timings of a test, printed at its end (where the time goes on a loaded machine). */
function stopwatch(name: string) {
  let t = Date.now();
  const laps: string[] = [];
  return {
    lap(what: string) {
      laps.push(`${what} ${Date.now() - t}`);
      t = Date.now();
    },
    print() {
      console.log(`${name}: ${laps.join(', ')} (ms)`);
    },
  };
}

/** After a scenario: its Services deleted, every netns clean (checked with the tools), backend b running again. */
async function finish(services: string[]) {
  for (const s of services) if (demo.stub.get('services', demo.namespace, s)) demo.stub.delete('services', demo.namespace, s);
  await until('slices gone', () => services.every((s) => slices(s).length === 0));
  await until('plans emptied', () => pods().every((p) => vipsOf(p.name).length === 0));
  expect(allRules()).toEqual([]);
}

/** Backend b running again after a scenario deleted it (its deletion undone in the stand-in). */
function restoreB(saved?: Record<string, unknown>) {
  if (saved && !demo.stub.get('pods', demo.namespace, demo.pods.b.name)) demo.stub.put('pods', structuredClone(saved));
  demo.stub.mutate('pods', demo.namespace, demo.pods.b.name, (o) => {
    delete (o.metadata as Record<string, unknown>).deletionTimestamp;
    delete (o.metadata as Record<string, unknown>).deletionGracePeriodSeconds;
  });
}

describe.each(Object.keys(BACKENDS))('multus-service demo (%s)', (backendName) => {
  const backend = () => BACKENDS[backendName]!();

  it('the client reaches the Service over net1, both backends answer; a deleted backend is gone within a second; a deleted Service leaves nothing', async () => {
    const { a, b, client } = demo.pods;
    const w = stopwatch(`[${backendName}] demo`);
    const p = await start(backend());
    w.lap('start');
    try {
      demo.stub.put('services', service(demo, 'web'));
      await until('slice', () => sliceAddrs('web').length === 2);
      expect(sliceAddrs('web')).toEqual([a.v4, b.v4].toSorted());
      await until('client rules', () => endpointsOf(client.name).length === 2);
      w.lap('slice+rules');
      const answers = untilBoth('http://10.96.0.10/');
      w.lap('curl');
      // Both backends, each seeing the client's net1 address (not its eth0 one).
      expect(names(answers)).toEqual(['A', 'B']);
      expect(new Set(answers.map((x) => x.split(' ')[1]))).toEqual(new Set([client.v4]));
      // The client's route to the cluster IP over net1; nothing in the node's netns.
      expect(rulesIn(client.ns, demo.node).filter((r) => r.includes('route') || r.startsWith(demo.node))).toEqual([`${client.ns}: route 10.96.0.10 dev net1 scope link src ${client.v4}`]);
      w.lap('checks');

      // A connection to A stays open across the change (conntrack keeps its translation).
      const long = longConnection(demo, 'http://10.96.0.10/', 'A');
      const [, seenAs, port] = (await long.next()).split(' ');
      expect(seenAs).toBe(client.v4);

      // A backend is deleted (gracefully: marked terminating, so no longer ready).
      const t0 = Date.now();
      await demo.client.request('DELETE', `/api/v1/namespaces/${demo.namespace}/pods/${b.name}`, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 30 });
      await until('slice without b', () => !sliceAddrs('web').includes(b.v4));
      const sliceMs = Date.now() - t0;
      await until('client rules without b', () => (applied.get(client.name)?.at ?? 0) > t0 && !endpointsOf(client.name).includes(b.v4));
      const rulesMs = applied.get(client.name)!.at - t0;
      console.log(`[${backendName}] deleted backend: out of the slice after ${sliceMs} ms, out of the client's rules after ${rulesMs} ms`);
      expect(rulesMs).toBeLessThan(1000);
      expect(ourRules(client.ns).filter((r) => r.includes(b.v4))).toEqual([]);
      expect(names(curl(demo, 'http://10.96.0.10/', 4))).toEqual(['A']);
      expect(await long.next()).toBe(`A ${client.v4} ${port}`); // same connection, same backend
      long.close();
      w.lap('delete backend');

      const t1 = Date.now();
      demo.stub.delete('services', demo.namespace, 'web');
      await finish(['web']);
      console.log(`[${backendName}] deleted Service: no rule left in any netns after ${Date.now() - t1} ms (checked)`);
      w.lap('delete service');
    } finally {
      restoreB();
      await finish(['web']);
      await p.stop();
      w.print();
    }
  });

  it('dual-stack: both families over net1; session affinity keeps a client on one backend', async () => {
    const { client } = demo.pods;
    const p = await start(backend());
    try {
      demo.stub.put('services', service(demo, 'dual', { clusterIPs: ['10.96.0.20', 'fd00:96::20'], families: ['IPv4', 'IPv6'] }));
      await until('client rules', () => endpointsOf(client.name).length === 4);
      expect(sliceAddrs('dual')).toEqual([demo.pods.a.v4, demo.pods.a.v6, demo.pods.b.v4, demo.pods.b.v6].toSorted());
      const v6 = untilBoth('http://[fd00:96::20]/');
      expect(names(v6)).toEqual(['A', 'B']);
      expect(new Set(v6.map((x) => x.split(' ')[1]))).toEqual(new Set([client.v6]));
      expect(ourRules(client.ns).filter((r) => r.startsWith('route')).toSorted()).toEqual([`route 10.96.0.20 dev net1 scope link src ${client.v4}`, `route fd00:96::20 dev net1 src ${client.v6}`]);

      demo.stub.mutate('services', demo.namespace, 'dual', (s) => Object.assign(s.spec as object, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }));
      await until('affinity', () => applied.get(client.name)?.plan.services.every((s) => s.affinitySeconds === 60) ?? false);
      // One client, many connections, one backend per family (v4 first proves that family is served too).
      const v4 = curl(demo, 'http://10.96.0.20/', 6);
      expect(names(v4)).toHaveLength(1);
      expect(v4[0]!.split(' ')[1]).toBe(client.v4);
      expect(names(curl(demo, 'http://[fd00:96::20]/', 6))).toHaveLength(1);
    } finally {
      await finish(['dual']);
      await p.stop();
    }
  });

  it('headless: slices for both families, no rule and no route anywhere', async () => {
    const p = await start(backend());
    try {
      demo.stub.put('services', { ...service(demo, 'hl', { clusterIPs: ['None'], families: ['IPv4', 'IPv6'] }) });
      await until('slices', () => sliceAddrs('hl').length === 4);
      expect(slices('hl').map((s) => [s.addressType, s.metadata.labels!['service.kubernetes.io/headless']]).toSorted()).toEqual([
        ['IPv4', ''],
        ['IPv6', ''],
      ]);
      // The proxy has seen the slices (a sync after them) and wrote nothing.
      const seen = p.proxy!.stats.syncs;
      demo.stub.mutate('pods', demo.namespace, demo.pods.client.name, (o) => ((o.metadata!.labels as Record<string, string>).touch = '1'));
      await until('a sync', () => p.proxy!.stats.syncs > seen);
      expect(pods().map((x) => vipsOf(x.name).length)).toEqual([0, 0, 0]);
      expect(allRules()).toEqual([]);
    } finally {
      await finish(['hl']);
      await p.stop();
    }
  });

});

// Re-listing, the write tracker and the proxy's first sync do not depend on the backend: the
// default one (nftables) runs this.
describe('restarts', () => {
  it('survives an API server restart (compacted history: re-list) and a proxy restart: no duplicate slices, no stale rules', async () => {
    const { a, b, client } = demo.pods;
    const saved = structuredClone(demo.stub.get('pods', demo.namespace, b.name)!);
    const w = stopwatch('restarts');
    let p = await start(new NftablesBackend());
    w.lap('start');
    try {
      demo.stub.put('services', service(demo, 'web', { clusterIPs: ['10.96.0.30', 'fd00:96::30'], families: ['IPv4', 'IPv6'] }));
      demo.stub.put('services', service(demo, 'other', { clusterIPs: ['10.96.0.31'] }));
      await until('rules', () => endpointsOf(client.name).length === 6);
      w.lap('rules');

      // The API server goes away; meanwhile backend b and the Service "other" are deleted and the history is compacted.
      const port = Number(new URL(demo.stub.url).port);
      await demo.stub.close();
      demo.stub.delete('pods', demo.namespace, b.name);
      demo.stub.delete('services', demo.namespace, 'other');
      demo.stub.compact();
      await new Promise((r) => setTimeout(r, 300));
      await demo.stub.start(port);
      w.lap('api down');
      await until('re-listed and caught up', () => !endpointsOf(client.name).includes(b.v4) && !vipsOf(client.name).includes('10.96.0.31'));
      expect(p.controller!.slices.stats.expired + p.proxy!.slices.stats.expired).toBeGreaterThanOrEqual(2);
      await until('slices', () => sliceAddrs('web').join() === [a.v4, a.v6].toSorted().join() && slices('other').length === 0);
      expect(slices('web').map((s) => s.addressType).toSorted()).toEqual(['IPv4', 'IPv6']); // no duplicates
      const rules = ourRules(client.ns);
      expect(rules.filter((r) => r.includes(b.v4) || r.includes(b.v6) || r.includes('10.96.0.31'))).toEqual([]);
      expect(rules.filter((r) => r.startsWith('route')).toSorted()).toEqual([`route 10.96.0.30 dev net1 scope link src ${client.v4}`, `route fd00:96::30 dev net1 src ${client.v6}`]);
      w.lap('caught up');
      expect(names(curl(demo, 'http://10.96.0.30/', 4))).toEqual(['A']);
      w.lap('checks');

      // The proxy restarts after the Service went while it was down: its first sync removes the rules.
      await p.proxy!.stop();
      demo.stub.delete('services', demo.namespace, 'web');
      await until('slices gone', () => slices('web').length === 0);
      await p.controller!.stop();
      p = await start(new NftablesBackend());
      expect(allRules()).toEqual([]);
      w.lap('proxy restart');
    } finally {
      restoreB(saved);
      await finish(['web', 'other']);
      await p.stop();
      w.print();
    }
  });
});

describe('the shipped programs', () => {
  const SRC = path.resolve(import.meta.dirname, '../src');

  /** Runs an entry point from source as its own process; resolves with its exit code once it ends. */
  function program(main: string, args: string[]): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
    // The real node binary (the .bin shim is a shell that would take the signal itself).
    const child = spawn(NODE, [...SOURCE_NODE.slice(1), path.join(SRC, main), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    return { child, exited: new Promise((r) => child.once('exit', (code) => r(code))), output: () => out };
  }

  it('multus-service-controller and multus-proxy (iptables) serve the demo and stop cleanly on SIGTERM, leaving the rules; cleanup removes them', async () => {
    const { client } = demo.pods;
    const common = ['--kubeconfig', demo.kubeconfig];
    const proxyArgs = [...common, '--node-name', NODE_NAME, '--backend', 'iptables', '--cni-cache-dir', demo.cniDir];
    const controller = program('controller-main.ts', common);
    const proxy = program('proxy-main.ts', proxyArgs);
    try {
      demo.stub.put('services', service(demo, 'bin'));
      const ready = () => {
        const r = ourRules(client.ns);
        return r.some((x) => x.includes(demo.pods.a.v4)) && r.some((x) => x.startsWith('route 10.96.0.10'));
      };
      await until('client rules', ready, 30_000, 300).catch((err: Error) => {
        throw new Error(`${err.message}\ncontroller: ${controller.output()}\nproxy: ${proxy.output()}`);
      });
      expect(names(untilBoth('http://10.96.0.10/'))).toEqual(['A', 'B']);
    } finally {
      controller.child.kill('SIGTERM');
      proxy.child.kill('SIGTERM');
    }
    expect(await controller.exited, controller.output()).toBe(0);
    expect(await proxy.exited, proxy.output()).toBe(0);
    expect(proxy.output()).toMatch(/multus-proxy: started on node node-a \(iptables\)/);
    // Stopping leaves the rules (traffic goes on during an upgrade); cleanup (--cleanup) removes them.
    expect(ourRules(client.ns).length).toBeGreaterThan(0);
    // As `multus-proxy --cleanup` does: the node's pods listed, every netns found cleaned.
    const cleaner = new MultusProxy((await loadKubeClient({ kubeconfig: demo.kubeconfig, env: {} }))!, {
      nodeName: NODE_NAME,
      backend: new IptablesBackend(),
      resolver: new CniCacheResolver([demo.cniDir]),
    });
    await cleaner.pods.start().whenSynced();
    try {
      expect(await cleaner.cleanup()).toBe(3);
      expect(allRules()).toEqual([]);
    } finally {
      await cleaner.pods.stop();
    }
    demo.stub.delete('services', demo.namespace, 'bin');
    // No controller runs any more to delete the Service's slices: remove them here.
    for (const x of slices('bin')) demo.stub.delete('endpointslices', demo.namespace, x.metadata.name!);
  });
});
