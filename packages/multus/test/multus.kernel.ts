// In user-mode-linux (the host kernel has no ipvlan): one ADD gives the pod eth0 (bridge, the
// cluster network), net1 (macvlan) and net2 (ipvlan); the network-status annotation lists all
// three; DEL removes all three and frees every IP, also with the API server down.
import { link, links, checkLeaks } from '@cni-ts/testkit';
import { describe, expect, it } from 'vitest';
import { add, cluster, del, expectDetached, ok, reserved, setup, tmp, useCluster, type Setup } from '@cni-ts/testkit/multus';

checkLeaks();
useCluster();

async function withIpvlan(): Promise<Setup & { ipvlanDir: string }> {
  const ipvlan = `ipvlan-${Math.random().toString(36).slice(2, 7)}`;
  const s = await setup({ annotation: (nad) => `${nad}, ${ipvlan}` });
  // ipvlan cannot share a parent with macvlan (EBUSY): its own uplink.
  s.env.hostLink('master1');
  const ipvlanDir = tmp('hl-ipvlan');
  await cluster.createNad({
    name: ipvlan,
    config: { cniVersion: '1.0.0', type: 'ipvlan', master: 'master1', mode: 'l2', ipam: { type: 'host-local', subnet: '10.76.0.0/24', dataDir: ipvlanDir } },
  });
  return { ...s, ipvlanDir, nad: s.nad };
}

describe('eth0 + net1 + net2 from one ADD', () => {
  it('bridge, macvlan and ipvlan; the annotation lists all three; DEL frees everything', async () => {
    const s = await withIpvlan();
    ok(await add(s));
    const ctr = s.env.container.name;
    expect(link(ctr, 'eth0')?.linkinfo?.info_kind).toBe('veth');
    expect(link(ctr, 'net1')?.linkinfo?.info_kind).toBe('macvlan');
    expect(link(ctr, 'net2')?.linkinfo?.info_kind).toBe('ipvlan');
    const pod = await cluster.getPod(s.podName);
    const status = JSON.parse((pod.metadata as { annotations: Record<string, string> }).annotations['k8s.v1.cni.cncf.io/network-status']!);
    expect(status.map((e: { interface: string; ips: string[] }) => [e.interface, e.ips])).toEqual([
      ['eth0', ['10.88.0.2']],
      ['net1', ['10.77.0.2']],
      ['net2', ['10.76.0.2']],
    ]);
    ok(await del(s));
    expectDetached(s);
    expect(reserved(s.ipvlanDir)).toEqual([]);
  });

  it('DEL with the API server down frees all three', async () => {
    const s = await withIpvlan();
    ok(await add(s));
    expect(links(s.env.container.name).map((l) => l.ifname).sort()).toEqual(['eth0', 'lo', 'net1', 'net2']);
    ok(await del(s, {}, { ...s.conf, kubeconfig: cluster.deadKubeconfig() }));
    expectDetached(s);
    expect(reserved(s.ipvlanDir)).toEqual([]);
  });
});
