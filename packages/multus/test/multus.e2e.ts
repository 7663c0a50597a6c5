// multus against the real kernel and an API server (the stand-in, or a real cluster with
// MULTUS_E2E_KUBECONFIG): one ADD gives the pod eth0 from the cluster network (bridge) and
// net1 from a NAD (macvlan); the network-status annotation lists both; DEL removes both and
// frees every IP, also with the API server down and with the delegate cache lost.
import { unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { link, links, checkLeaks } from '@cni-ts/testkit';
import { describe, expect, it } from 'vitest';
import { add, cluster, del, expectAttached, expectDetached, ok, reserved, setup, useCluster } from '@cni-ts/testkit/multus';

checkLeaks();
useCluster();

describe('ADD and DEL with the cluster network and a NAD', () => {
  it('attaches eth0 (bridge) and net1 (macvlan) in one ADD, writes the network status, and DEL frees everything', async () => {
    const s = await setup();
    const r = ok(await add(s))!;
    // The master's (bridge's) result, in multus's cniVersion.
    expect(r.cniVersion).toBe('1.0.0');
    expect((r.interfaces as { name: string }[]).map((i) => i.name)).toContain('eth0');
    expect(r.ips).toEqual([{ address: '10.88.0.2/24', gateway: '10.88.0.1', interface: 2 }]);
    expectAttached(s);
    const eth0 = link(s.env.container.name, 'eth0')!;
    const net1 = link(s.env.container.name, 'net1')!;

    const pod = await cluster.getPod(s.podName);
    const text = (pod.metadata as { annotations: Record<string, string> }).annotations['k8s.v1.cni.cncf.io/network-status']!;
    // Byte for byte as upstream writes it: 4-space MarshalIndent per element, joined by ",".
    expect(text).toBe(
      `[{\n    "name": "cbr0",\n    "interface": "eth0",\n    "ips": [\n        "10.88.0.2"\n    ],\n    "mac": "${eth0.address}",\n    "default": true,\n    "dns": {},\n    "gateway": [\n        "10.88.0.1"\n    ]\n},{\n    "name": "${cluster.namespace}/${JSON.parse(text)[1].name.split('/')[1]}",\n    "interface": "net1",\n    "ips": [\n        "10.77.0.2"\n    ],\n    "mac": "${net1.address}",\n    "dns": {}\n}]`,
    );

    ok(await del(s));
    expectDetached(s);
    // DEL is idempotent.
    ok(await del(s));
  });

  it('DEL with the API server down: served from the delegate cache, every IP freed', async () => {
    const s = await setup();
    ok(await add(s));
    expectAttached(s);
    const down = { ...s.conf, kubeconfig: cluster.deadKubeconfig() };
    const r = await del(s, {}, down);
    ok(r);
    expectDetached(s);
  });

  it('DEL with the API server down and the delegate cache lost: the libcni result cache still names every attachment', async () => {
    const s = await setup();
    ok(await add(s));
    unlinkSync(path.join(s.cniDir, 'ctr1'));
    ok(await del(s, {}, { ...s.conf, kubeconfig: cluster.deadKubeconfig() }));
    expectDetached(s);
  });

  it('DEL with a corrupt (truncated) delegate cache still deletes everything', async () => {
    const s = await setup();
    ok(await add(s));
    writeFileSync(path.join(s.cniDir, 'ctr1'), '[{"Conf":{"ipam":{}},"ConfList":{"cniVe');
    ok(await del(s));
    expectDetached(s);
  });

  it('names interfaces as upstream: an explicit name does not shift the numbering', async () => {
    const s = await setup({ annotation: (nad) => `${nad}@macvlan1, ${nad}` });
    ok(await add(s));
    const names = links(s.env.container.name).map((l) => l.ifname).sort();
    expect(names).toEqual(['eth0', 'lo', 'macvlan1', 'net2']);
    ok(await del(s));
    expect(links(s.env.container.name).map((l) => l.ifname)).toEqual(['lo']);
    expect(reserved(s.ipamDirs.macvlan)).toEqual([]);
  });

  it('rolls back every attached network when a later one fails, and the failure names the network', async () => {
    const s = await setup({ annotation: (nad) => `${nad}, ${nad}@eth0` });
    const r = await add(s);
    expect(r.code).toBe(1);
    expect((r.json as { msg: string }).msg).toMatch(/error adding container to network ".*macvlan-.*": DelegateAdd: cannot set "macvlan" interface name to "eth0": validateIfName: interface name eth0 already exists/);
    expect(links(s.env.container.name).map((l) => l.ifname)).toEqual(['lo']);
    expect(reserved(s.ipamDirs.cluster)).toEqual([]);
    expect(reserved(s.ipamDirs.macvlan)).toEqual([]);
    // The runtime's DEL after a failed ADD succeeds and leaves nothing.
    ok(await del(s));
    expectDetached(s);
  });

  it('Go plugins (the oracle in /usr/lib/cni) as delegates: exec\'d, same attachments, same cleanup', async () => {
    const s = await setup();
    const r = ok(await add(s, { path: '/usr/lib/cni' }))!;
    expect(r.ips).toEqual([{ address: '10.88.0.2/24', gateway: '10.88.0.1', interface: 2 }]);
    expectAttached(s);
    ok(await del(s, { path: '/usr/lib/cni' }));
    expectDetached(s);
  });
});
