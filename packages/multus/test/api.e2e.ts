// multus and the API server: what it reads and writes, and how it copes when the server is
// slow, failing, racing with other writers, or has lost the pod. The tests marked (stub) need
// the stand-in's fault injection and request log and are skipped against a real cluster.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { checkLeaks, links } from '@cni-ts/testkit';
import { describe, expect, it } from 'vitest';
import { REAL_KUBECONFIG } from '@cni-ts/testkit/multus';
import { k8sArgs } from '@cni-ts/testkit/multus';
import { add, cluster, del, expectAttached, expectDetached, ok, setup, useCluster } from '@cni-ts/testkit/multus';

checkLeaks();
useCluster();

const statusOf = (pod: Record<string, unknown>) => (pod.metadata as { annotations: Record<string, string> }).annotations['k8s.v1.cni.cncf.io/network-status'];

describe('resolution', () => {
  it('a NAD with an empty spec is resolved from confDir by its name', async () => {
    const s = await setup({ nadConfig: null });
    ok(await add(s));
    expectAttached(s);
    ok(await del(s));
    expectDetached(s);
  });

  it('the JSON form of the annotation: interface and mac (MAC= in CNI_ARGS)', async () => {
    const s = await setup({
      annotation: (nad) => JSON.stringify([{ name: nad, interface: 'data0', mac: '02:23:45:67:89:01' }]),
    });
    ok(await add(s));
    const data0 = links(s.env.container.name).find((l) => l.ifname === 'data0');
    expect(data0?.address).toBe('02:23:45:67:89:01');
    const status = JSON.parse(statusOf(await cluster.getPod(s.podName))!);
    expect(status[1]).toMatchObject({ name: `${cluster.namespace}/${s.nad}`, interface: 'data0', mac: '02:23:45:67:89:01', ips: ['10.77.0.2'] });
    ok(await del(s));
  });

  it('v1.multus-cni.io/default-network replaces the cluster network (looked up in multusNamespace)', async () => {
    const bridgeNad = `br-${Math.random().toString(36).slice(2, 7)}`;
    const s = await setup({ annotations: { 'v1.multus-cni.io/default-network': bridgeNad } });
    await cluster.createNad({
      name: bridgeNad,
      config: { cniVersion: '1.0.0', type: 'bridge', bridge: 'cni1', isDefaultGateway: true, ipam: { type: 'host-local', subnet: '10.66.0.0/24', dataDir: s.ipamDirs.cluster } },
    });
    const r = ok(await add(s))!;
    expect(r.ips).toEqual([{ address: '10.66.0.2/24', gateway: '10.66.0.1', interface: 2 }]);
    const status = JSON.parse(statusOf(await cluster.getPod(s.podName))!);
    expect(status.map((e: { name: string; interface: string; default?: boolean }) => [e.name, e.interface, e.default ?? false])).toEqual([
      [`${cluster.namespace}/${bridgeNad}`, 'eth0', true],
      [`${cluster.namespace}/${s.nad}`, 'net1', false],
    ]);
    ok(await del(s));
    expectDetached(s);
  });

  it('namespace isolation refuses a NAD of another namespace', async () => {
    const s = await setup({ annotation: (nad) => `elsewhere/${nad}` });
    const r = await add(s, {}, { ...s.conf, namespaceIsolation: true });
    expect(r.code).toBe(1);
    expect((r.json as { msg: string }).msg).toContain(
      `GetNetworkDelegates: namespace isolation enabled, annotation violates permission, pod is in namespace ${cluster.namespace} but refers to target namespace elsewhere`,
    );
    expect(links(s.env.container.name).map((l) => l.ifname)).toEqual(['lo']);
    ok(await del(s));
  });

  it('a pod missing at ADD fails the ADD (upstream reports success with a fake 0.0.0.0/0) and attaches nothing', async () => {
    const s = await setup();
    const r = await add(s, { args: k8sArgs(cluster.namespace, 'no-such-pod', 'u-1') });
    expect(r.code).toBe(1);
    expect((r.json as { msg: string }).msg).toMatch(/pod .*\/no-such-pod not found/);
    expect(links(s.env.container.name).map((l) => l.ifname)).toEqual(['lo']);
    expect(existsSync(path.join(s.cniDir, 'ctr1'))).toBe(false);
    ok(await del(s, { args: k8sArgs(cluster.namespace, 'no-such-pod', 'u-1') }));
  });

  it('a NAD that does not exist fails the ADD, rolls back the cluster network, and posts a NoNetworkFound event', async () => {
    const s = await setup({ annotation: () => 'missing-nad' });
    const r = await add(s);
    expect(r.code).toBe(1);
    expect((r.json as { msg: string }).msg).toContain('cannot find a network-attachment-definition (missing-nad) in namespace');
    expect(links(s.env.container.name).map((l) => l.ifname)).toEqual(['lo']);
    if (cluster.stub) {
      const events = cluster.stub.list('events', cluster.namespace);
      expect(events.map((e) => [e.type, e.reason])).toContainEqual(['Warning', 'NoNetworkFound']);
    }
    ok(await del(s));
    expectDetached(s);
  });
});

describe.skipIf(REAL_KUBECONFIG !== '')('the API server misbehaving (stub)', () => {
  it('the status PUT is retried on a conflict; another writer\'s annotation and fields multus does not know survive', async () => {
    const s = await setup({
      podExtra: { status: { phase: 'Pending', resourceClaimStatuses: [{ name: 'gpu', resourceClaimName: 'pod-gpu-x' }], futureField: { a: 1 } } },
    });
    const stub = cluster.stub!;
    const ns = cluster.namespace;
    stub.fault({
      method: 'PUT',
      path: /\/status$/,
      times: 1,
      before: (st) => st.mutate('pods', ns, s.podName, (p) => void (p.metadata!.annotations = { ...p.metadata!.annotations, 'other.example/writer': 'x' })),
    });
    ok(await add(s));
    const puts = stub.calls('PUT', new RegExp(`/pods/${s.podName}/status$`));
    expect(puts.map((p) => p.status)).toEqual([409, 200]);
    const pod = await cluster.getPod(s.podName);
    expect((pod.metadata as { annotations: Record<string, string> }).annotations['other.example/writer']).toBe('x');
    expect(pod.status).toMatchObject({ resourceClaimStatuses: [{ name: 'gpu', resourceClaimName: 'pod-gpu-x' }], futureField: { a: 1 } });
    // An event per attached interface.
    const added = stub.list('events', ns).filter((e) => e.reason === 'AddedInterface').map((e) => e.message);
    expect(added).toEqual(expect.arrayContaining(['Add eth0 [10.88.0.2/24] from cbr0', `Add net1 [10.77.0.2/24] from ${ns}/${s.nad}`]));
    // DEL from the cache asks the API server nothing.
    const before = stub.requests.length;
    ok(await del(s));
    expect(stub.requests.length).toBe(before);
    expectDetached(s);
  });

  it('a slow API server (600 ms per answer) does not fail the ADD (upstream gives up after 250 ms)', async () => {
    const s = await setup();
    cluster.stub!.fault({ delayMs: 600 });
    try {
      ok(await add(s));
    } finally {
      cluster.stub!.clearFaults();
    }
    expectAttached(s);
    ok(await del(s));
  });

  it('transient failures of the pod GET (503, a dropped connection) are retried', async () => {
    const s = await setup();
    const stub = cluster.stub!;
    stub.fault({ method: 'GET', path: new RegExp(`/pods/${s.podName}$`), times: 1, status: 503 });
    stub.fault({ method: 'GET', path: new RegExp(`/pods/${s.podName}$`), times: 1, hangUp: true });
    const from = stub.requests.length;
    ok(await add(s));
    stub.clearFaults();
    const gets = stub.requests.slice(from).filter((r) => r.method === 'GET' && r.path.endsWith(`/pods/${s.podName}`));
    expect(gets.map((g) => g.status).slice(0, 3)).toEqual([503, -1, 200]);
    ok(await del(s));
  });

  it('a failing status write fails the ADD; the runtime\'s DEL then frees everything', async () => {
    const s = await setup();
    cluster.stub!.fault({ method: 'PUT', path: /\/status$/, status: 500 });
    const r = await add(s);
    cluster.stub!.clearFaults();
    expect(r.code).toBe(1);
    expect((r.json as { msg: string }).msg).toContain('error setting the networks status');
    ok(await del(s));
    expectDetached(s);
  });
});
