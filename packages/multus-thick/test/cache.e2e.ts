// The daemon's watch caches against the stand-in API server (a small version of the 200-pod
// churn of `pnpm bench`): an ADD reads its pod and NAD from the caches and makes two requests
// (the network-status PUT, one AddedInterface event naming every interface), a DEL none; a pod
// the watch does not show (another node's) is read with a GET; a 429 with Retry-After on the
// status write is waited out and retried. Real kernel, daemon process, shim.
import { checkLeaks, until } from '@cni-ts/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { cluster, expectAttached, expectDetached, k8sArgs, ok, setup, tmp, useCluster } from '@cni-ts/testkit/multus';
import { shim, shimConf, startDaemonProc, stopDaemonProc, type DaemonProc } from './thick';

checkLeaks();
useCluster();

const daemons: DaemonProc[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await stopDaemonProc(d, 'SIGKILL');
});

const NODE = 'cni-ts-test-node-that-does-not-exist';

/** What the daemon asked since `from` (its own user agent), as `verb resource[/sub]`. */
function asked(from: number): string[] {
  return cluster.stub!.requests
    .slice(from)
    .filter((r) => r.headers['user-agent'] === 'multus-daemon-cni-ts')
    .map((r) => `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}${r.status >= 300 ? ` -> ${r.status}` : ''}`);
}

describe('the daemon\'s watch caches', () => {
  it('ADD: one status PUT and one event, no GET; DEL: nothing; a pod the watch lacks is read live; Retry-After is honoured', async () => {
    const s = await setup();
    const dir = `${tmp('sock')}/multus`;
    const mark = cluster.stub!.requests.length;
    const d = await startDaemonProc(s.env.host.name, dir, { kubeconfig: s.conf.kubeconfig }, { env: { MULTUS_NODE_NAME: NODE } });
    daemons.push(d);
    expect(d.log()).toContain(`filtering the pod watch for node "${NODE}"`);
    // The caches' lists and watches (the watches open just after the lists).
    await until('the watches', () => asked(mark).length >= 4, 5000);
    expect(asked(mark).sort()).toEqual(['list network-attachment-definitions.k8s.cni.cncf.io', 'list pods', 'watch network-attachment-definitions.k8s.cni.cncf.io', 'watch pods']);

    let from = cluster.stub!.requests.length;
    ok(await shim(s.env.host.name, 'ADD', s, shimConf(s, dir)));
    expectAttached(s);
    expect(asked(from)).toEqual(['update pods/status', 'create events']);
    const event = cluster.stub!.list('events', cluster.namespace).find((e) => e.reason === 'AddedInterface' && (e.involvedObject as { name: string }).name === s.podName);
    expect(event?.message).toMatch(new RegExp(`^Add eth0 \\[10\\.88\\.0\\.2/24\\] from cbr0; Add net1 \\[10\\.77\\.0\\.2/24\\] from ${cluster.namespace}/${s.nad}$`));
    from = cluster.stub!.requests.length;
    ok(await shim(s.env.host.name, 'DEL', s, shimConf(s, dir)));
    expectDetached(s);
    expect(asked(from)).toEqual([]);

    // A pod of another node is not in the watch: one GET for it; a throttled status write waits its Retry-After.
    const other = await cluster.createPod({ name: `elsewhere-${Math.random().toString(36).slice(2, 7)}`, nodeName: 'another-node', annotations: { 'k8s.v1.cni.cncf.io/networks': s.nad } });
    const o = { ...s, podName: other.metadata!.name!, args: k8sArgs(cluster.namespace, other.metadata!.name!, other.metadata!.uid!) };
    cluster.stub!.fault({ method: 'PUT', path: /\/status$/, times: 1, status: 429, retryAfter: 1 });
    from = cluster.stub!.requests.length;
    const started = Date.now();
    ok(await shim(s.env.host.name, 'ADD', o, shimConf(o, dir)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(asked(from)).toEqual(['get pods', 'update pods/status -> 429', 'update pods/status', 'create events']);
    ok(await shim(s.env.host.name, 'DEL', o, shimConf(o, dir)));
    expectDetached(s);
    await stopDaemonProc(d);
  });
});
