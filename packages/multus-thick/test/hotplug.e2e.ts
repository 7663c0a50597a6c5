// /delegate as the multus-dynamic-networks-controller calls it (its CreateDelegateRequest:
// CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME and the pod's three CNI_ARGS keys, no
// CNI_PATH; the NAD's config with its name filled in; interfaceAttributes): net2 is plugged into
// a running pod that has eth0 and net1, then unplugged, and net1, the delegate cache and the
// network-status annotation are never touched. Real kernel, stand-in API server, daemon process.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { addrs, checkLeaks, link, links } from '@cni-ts/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeRequest, type InterfaceAttributes } from '../src/api';
import { callDaemon } from '../src/client';
import { cluster, expectAttached, expectDetached, ok, oursDir, reserved, setup, tmp, useCluster, type Setup } from '@cni-ts/testkit/multus';
import { shim, shimConf, startDaemonProc, stopDaemonProc, type DaemonProc } from './thick';

checkLeaks();
useCluster();

const daemons: DaemonProc[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await stopDaemonProc(d, 'SIGKILL');
});

/** The controller's request for network `config` on interface `ifname` of pod `s`. */
function controllerRequest(s: Setup, command: 'ADD' | 'DEL', ifname: string, config: Record<string, unknown>, attrs?: InterfaceAttributes): string {
  const [, uid] = /K8S_POD_UID=([^;]*)/.exec(s.args)!;
  return encodeRequest(
    { CNI_COMMAND: command, CNI_CONTAINERID: 'ctr1', CNI_NETNS: s.env.container.path, CNI_IFNAME: ifname, CNI_ARGS: `K8S_POD_NAMESPACE=${cluster.namespace};K8S_POD_NAME=${s.podName};K8S_POD_UID=${uid}` },
    Buffer.from(JSON.stringify(config)),
    attrs,
  );
}

/** What must not change of net1: its identity, MAC, MTU, kind and addresses (not counters or carrier state). */
function net1Of(ctr: string): string {
  const l = link(ctr, 'net1');
  return JSON.stringify([l?.ifindex, l?.address, l?.mtu, l?.linkinfo?.info_kind, addrs(ctr, 'net1').map((a) => `${a.local}/${a.prefixlen}`)]);
}

const statusAnnotation = async (s: Setup) => (await cluster.getPod(s.podName)).metadata!.annotations!['k8s.v1.cni.cncf.io/network-status'];

describe('/delegate (hot-plug)', () => {
  it('plugs net2 into a pod that has net1 and unplugs it again; net1, the delegate cache and network-status stay as they were', async () => {
    const s = await setup();
    const dir = path.join(tmp('sock'), 'multus');
    // The daemon's own configuration is Multus's for /delegate: its client, binDir (the controller sends no CNI_PATH), cniDir.
    const d = await startDaemonProc(s.env.host.name, dir, { kubeconfig: s.conf.kubeconfig, binDir: oursDir(), cniDir: s.conf.cniDir });
    daemons.push(d);
    const socket = path.join(dir, 'multus.sock');
    ok(await shim(s.env.host.name, 'ADD', s, shimConf(s, dir)));
    expectAttached(s);
    const ctr = s.env.container.name;
    const net1Before = net1Of(ctr);
    const cacheBefore = readFileSync(path.join(s.cniDir, 'ctr1'), 'utf8');
    const statusBefore = await statusAnnotation(s);
    const hl = tmp('hl-net2');
    // What the controller posts: the NAD's config with its name filled in (GetCNIConfigFromSpec).
    const net2 = { cniVersion: '1.0.0', name: 'hot-net', type: 'macvlan', master: 'master0', mode: 'bridge', capabilities: { mac: true }, ipam: { type: 'host-local', subnet: '10.55.0.0/24', dataDir: hl } };

    const added = await callDaemon(socket, 'POST', '/delegate', controllerRequest(s, 'ADD', 'net2', net2, { mac: '02:00:00:00:55:02', 'cni-args': { note: 'x' } }));
    expect(added.status, added.body).toBe(200);
    const result = JSON.parse(added.body).Result;
    expect(result).toMatchObject({ cniVersion: '1.0.0', interfaces: [{ name: 'net2', mac: '02:00:00:00:55:02' }], ips: [{ address: '10.55.0.2/24' }] });
    expect(link(ctr, 'net2')).toMatchObject({ address: '02:00:00:00:55:02', linkinfo: { info_kind: 'macvlan' } });
    expect(reserved(hl)).toHaveLength(1);
    expect(net1Of(ctr)).toBe(net1Before);
    expect(readFileSync(path.join(s.cniDir, 'ctr1'), 'utf8')).toBe(cacheBefore);
    expect(await statusAnnotation(s)).toBe(statusBefore);
    const events = cluster.stub!.list('events', cluster.namespace).filter((e) => e.reason === 'AddedInterface').map((e) => e.message as string);
    expect(events).toContain('Add net2 [10.55.0.2/24] from hot-net');

    // The same name again: refused before anything runs, net2 as it was.
    const again = await callDaemon(socket, 'POST', '/delegate', controllerRequest(s, 'ADD', 'net2', net2));
    expect(again.status).toBe(400);
    expect(JSON.parse(again.body).msg).toContain('validateIfName: interface name net2 already exists');
    expect(reserved(hl)).toHaveLength(1);

    const removed = await callDaemon(socket, 'POST', '/delegate', controllerRequest(s, 'DEL', 'net2', net2));
    expect(removed.status, removed.body).toBe(200);
    expect(link(ctr, 'net2')).toBeUndefined();
    expect(reserved(hl)).toEqual([]);
    expect(links(ctr).map((l) => l.ifname).sort()).toEqual(['eth0', 'lo', 'net1']);
    expect(net1Of(ctr)).toBe(net1Before);
    expect(readFileSync(path.join(s.cniDir, 'ctr1'), 'utf8')).toBe(cacheBefore);
    expect(await statusAnnotation(s)).toBe(statusBefore);

    // The pod's own DEL still removes exactly what its ADD attached.
    ok(await shim(s.env.host.name, 'DEL', s, shimConf(s, dir)));
    expectDetached(s);
    await stopDaemonProc(d);
  });
});
