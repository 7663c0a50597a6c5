// VLAN filtering needs bridge VLAN support, which only the user-mode-linux kernel has: vlan
// (access port), vlanTrunk (tagged VLANs, VLAN 1 native), both together, preserveDefaultVlan,
// the `<bridge>.<vlan>` gateway veth of isGateway, traffic separation between VLANs, and the
// Go oracle (1.1.1) on the same configs. iptables here is the legacy backend.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addrs, checkLeaks, iptablesSave, link, links, must, ping, testEnv, type TestNetns } from '@cni-ts/testkit';
import { cni, dataDir, goPlugin, tsPlugin, type PluginImpl as Impl } from '@cni-ts/testkit';

checkLeaks(['/var/lib/cni']);

let ours: Impl;
const go = goPlugin('bridge');
const dirs: string[] = [];
beforeAll(async () => {
  // IPAM in-process, as the installed binary runs it: a Node start in the guest costs seconds.
  ours = await tsPlugin('bridge', { ipam: 'in-process' });
}, 300_000);
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Env = ReturnType<typeof testEnv>;
type Result = { interfaces: { name: string; mac?: string; sandbox?: string }[]; ips?: { address: string }[] };

function conf(extra: Record<string, unknown>, subnet = '10.41.0.0/24', name = 'vlannet') {
  const dir = dataDir('bvlan');
  dirs.push(dir);
  return { cniVersion: '1.0.0', name, type: 'bridge', bridge: 'vbr0', ipam: { type: 'host-local', subnet, dataDir: dir }, ...extra };
}

function add(impl: Impl, env: Env, ns: TestNetns, c: unknown, id = ns.name): Result {
  const r = cni(impl, env.host.name, { command: 'ADD', containerId: id, netns: ns.path }, c);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.json as unknown as Result;
}

function del(impl: Impl, env: Env, ns: TestNetns, c: unknown, id = ns.name): void {
  const r = cni(impl, env.host.name, { command: 'DEL', containerId: id, netns: ns.path }, c);
  expect(r.code, r.stdout + r.stderr).toBe(0);
}

/** The VLANs of a port as `vid[P][U]` strings (P = PVID, U = egress untagged). */
function vlansOf(ns: string, dev: string): string[] {
  const out = JSON.parse(must('bridge', ['-n', ns, '-j', 'vlan', 'show', 'dev', dev]) || '[]') as { ifname: string; vlans: { vlan: number; vlanEnd?: number; flags?: string[] }[] }[];
  const entry = out.find((p) => p.ifname === dev);
  const res: string[] = [];
  for (const v of entry?.vlans ?? []) {
    for (let id = v.vlan; id <= (v.vlanEnd ?? v.vlan); id++) {
      const f = v.flags ?? [];
      res.push(`${id}${f.includes('PVID') ? 'P' : ''}${f.includes('Egress Untagged') ? 'U' : ''}`);
    }
  }
  return res;
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => `${a + i}`);

describe('bridge VLANs (user-mode-linux kernel)', () => {
  it('vlan: a new bridge filters VLANs, the port carries only its VLAN untagged; pods on other VLANs are cut off', () => {
    const env = testEnv();
    const pod2 = env.extra('pod2');
    const pod3 = env.extra('pod3');
    const c100 = conf({ vlan: 100 });
    const r1 = add(ours, env, env.container, c100);
    const r2 = add(ours, env, pod2, c100);
    const c200 = { ...c100, vlan: 200 };
    const r3 = add(ours, env, pod3, c200);
    expect(link(env.host.name, 'vbr0')?.linkinfo?.info_data?.vlan_filtering).toBe(1);
    expect(vlansOf(env.host.name, r1.interfaces[1]!.name)).toEqual(['100PU']);
    expect(vlansOf(env.host.name, r3.interfaces[1]!.name)).toEqual(['200PU']);
    const ip2 = r2.ips![0]!.address.split('/')[0]!;
    const ip3 = r3.ips![0]!.address.split('/')[0]!;
    expect(ping(env.container.name, ip2)).toBe(true);
    expect(ping(env.container.name, ip3)).toBe(false);
    del(ours, env, env.container, c100);
    del(ours, env, pod2, c100);
    del(ours, env, pod3, c200);
    expect(links(env.host.name).filter((l) => l.linkinfo?.info_kind === 'veth')).toEqual([]);
  });

  it('vlanTrunk: tagged VLANs, sorted and de-duplicated, VLAN 1 native; with vlan: that VLAN native', () => {
    const env = testEnv();
    const trunk = [{ id: 101 }, { minID: 200, maxID: 210 }, { id: 205 }];
    const c1 = conf({ vlanTrunk: trunk });
    const r1 = add(ours, env, env.container, c1);
    expect(vlansOf(env.host.name, r1.interfaces[1]!.name)).toEqual(['1PU', '101', ...range(200, 210)]);
    del(ours, env, env.container, c1);

    const c2 = conf({ vlan: 100, vlanTrunk: trunk });
    const r2 = add(ours, env, env.container, c2);
    expect(vlansOf(env.host.name, r2.interfaces[1]!.name)).toEqual(['100PU', '101', ...range(200, 210)]);
    del(ours, env, env.container, c2);
  });

  it('a tagged VLAN of a trunk port reaches an access port of that VLAN', () => {
    const env = testEnv();
    const trunkPod = env.extra('trunk');
    const ca = conf({ vlan: 300 }, '10.42.0.0/24');
    const access = add(ours, env, env.container, ca);
    const ct = { ...conf({ vlanTrunk: [{ id: 300 }] }, '10.43.0.0/24'), ipam: {} };
    add(ours, env, trunkPod, ct);
    must('ip', ['-n', trunkPod.name, 'link', 'add', 'link', 'eth0', 'name', 'eth0.300', 'type', 'vlan', 'id', '300']);
    must('ip', ['-n', trunkPod.name, 'addr', 'add', '10.42.0.200/24', 'dev', 'eth0.300']);
    must('ip', ['-n', trunkPod.name, 'link', 'set', 'eth0.300', 'up']);
    expect(ping(trunkPod.name, access.ips![0]!.address.split('/')[0]!)).toBe(true);
    del(ours, env, env.container, ca);
    del(ours, env, trunkPod, ct);
  });

  it('preserveDefaultVlan keeps VLAN 1 on the port', () => {
    const env = testEnv();
    const c = conf({ vlan: 100, preserveDefaultVlan: true });
    const r = add(ours, env, env.container, c);
    expect(vlansOf(env.host.name, r.interfaces[1]!.name)).toEqual(['1U', '100PU']);
    del(ours, env, env.container, c);
  });

  it('an existing bridge keeps its VLAN filtering setting; vlanTrunk [] asks for filtering on a new one', () => {
    const env = testEnv();
    const c = conf({ vlanTrunk: [] });
    const r = add(ours, env, env.container, c);
    expect(link(env.host.name, 'vbr0')?.linkinfo?.info_data?.vlan_filtering).toBe(1);
    expect(vlansOf(env.host.name, r.interfaces[1]!.name)).toEqual(['1PU']);
    del(ours, env, env.container, c);

    const other = testEnv();
    must('ip', ['-n', other.host.name, 'link', 'add', 'vbr0', 'type', 'bridge', 'vlan_filtering', '0']);
    const c100 = conf({ vlan: 100 });
    const r2 = add(ours, other, other.container, c100);
    expect(link(other.host.name, 'vbr0')?.linkinfo?.info_data?.vlan_filtering).toBe(0);
    // The VLAN entries are still written (they take effect if filtering is turned on later).
    expect(vlansOf(other.host.name, r2.interfaces[1]!.name)).toEqual(['100PU']);
    del(ours, other, other.container, c100);
  });

  it('vlan + isGateway: the gateway lives on the <bridge>.<vlan> veth, whose peer is an access port of the VLAN', () => {
    const env = testEnv();
    const c = conf({ vlan: 100, isGateway: true, ipMasq: true });
    const r = add(ours, env, env.container, c);
    expect(r.interfaces.map((i) => i.name)).toEqual(['vbr0', expect.stringMatching(/^veth/), 'eth0', 'vbr0.100']);
    expect(r.interfaces[3]!.sandbox).toBeUndefined();
    const gw = link(env.host.name, 'vbr0.100');
    expect(gw?.linkinfo?.info_kind).toBe('veth');
    expect(gw?.address).toBe(r.interfaces[3]!.mac);
    expect(addrs(env.host.name, 'vbr0.100').filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['10.41.0.1/24']);
    expect(addrs(env.host.name, 'vbr0').filter((a) => a.family === 'inet')).toEqual([]);
    const peer = links(env.host.name).find((l) => l.master === 'vbr0' && l.ifname !== r.interfaces[1]!.name)!;
    expect(vlansOf(env.host.name, peer.ifname)).toEqual(['100PU']);
    // lo, vbr0, the pod's veth, vbr0.100 and its peer
    expect(links(env.host.name)).toHaveLength(5);
    expect(ping(env.container.name, '10.41.0.1')).toBe(true);
    // iptables-legacy in this kernel
    expect(iptablesSave(env.host.name)).toMatch(/-A POSTROUTING -s 10\.41\.0\.2\/32 -m comment --comment "name: \\"vlannet\\" id: \\"[^"]+\\"" -j CNI-[0-9a-f]{24}/);
    // A second pod reuses the gateway veth.
    const pod2 = env.extra('pod2');
    const r2 = add(ours, env, pod2, c);
    expect(r2.interfaces).toHaveLength(4);
    expect(links(env.host.name)).toHaveLength(6);
    del(ours, env, env.container, c);
    del(ours, env, pod2, c);
    expect(iptablesSave(env.host.name)).not.toContain('CNI-');
    // The gateway veth stays, as upstream (it may serve other pods).
    expect(link(env.host.name, 'vbr0.100')).toBeDefined();
  });

  it('the Go oracle (1.1.1) builds the same ports with preserveDefaultVlan (its only behaviour)', () => {
    const ports = (impl: Impl) => {
      const env = testEnv();
      const c = conf({ vlan: 100, isGateway: true, preserveDefaultVlan: true });
      const r = add(impl, env, env.container, c, 'oraclectr');
      const gwPeer = links(env.host.name).find((l) => l.master === 'vbr0' && l.ifname !== r.interfaces[1]!.name)!;
      const out = {
        names: r.interfaces.map((i) => i.name.replace(/^veth[0-9a-f]{8}$/, 'veth')),
        filtering: link(env.host.name, 'vbr0')?.linkinfo?.info_data?.vlan_filtering,
        port: vlansOf(env.host.name, r.interfaces[1]!.name),
        gwPort: vlansOf(env.host.name, gwPeer.ifname),
        bridge: vlansOf(env.host.name, 'vbr0'),
        gw: addrs(env.host.name, 'vbr0.100').filter((a) => a.family === 'inet').map((a) => a.local),
        reach: ping(env.container.name, '10.41.0.1'),
      };
      del(impl, env, env.container, c, 'oraclectr');
      return out;
    };
    const g = ports(go);
    expect(ports(ours)).toEqual(g);
    expect(g.port).toEqual(['1U', '100PU']);
  });
});
