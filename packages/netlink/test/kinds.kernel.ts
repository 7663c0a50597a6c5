// Link kinds the host kernel lacks (ipvlan, 8021q vlan, dummy, vrf, bridge VLAN filtering), checked
// against `ip -j -d` inside the user-mode-linux guest (tools/kernel, `pnpm test:kernel`).
import { describe, expect, it } from 'vitest';
import { checkLeaks, execIn, link, rules, testEnv } from '@cni-ts/testkit';
import { openHandle, openNetns, type NetlinkHandle } from '../src/index';

function hostHandle(): { env: ReturnType<typeof testEnv>; h: NetlinkHandle } {
  const env = testEnv();
  return { env, h: openHandle(env.host.path) };
}

const kindData = (ns: string, name: string) => {
  const l = link(ns, name);
  expect(l, name).toBeDefined();
  return l!.linkinfo!;
};

describe('link kinds only the UML kernel has', () => {
  checkLeaks();

  it('creates dummy links', () => {
    const { env, h } = hostHandle();
    try {
      h.linkAdd({ kind: 'dummy', name: 'dm0', mtu: 9000, mac: '02:00:00:00:09:00', up: true });
      expect(kindData(env.host.name, 'dm0').info_kind).toBe('dummy');
      expect(link(env.host.name, 'dm0')).toMatchObject({ mtu: 9000, address: '02:00:00:00:09:00' });
      expect(h.linkByName('dm0')).toMatchObject({ kind: 'dummy', up: true, mtu: 9000 });
      expect(h.linkDriverInfo('dm0').driver).toBe('dummy');
      h.linkDel('dm0');
      expect(link(env.host.name, 'dm0')).toBeUndefined();
    } finally {
      h.close();
    }
  });

  it('creates ipvlans in every mode and flag, also directly inside another namespace', () => {
    const { env, h } = hostHandle();
    const ctr = openNetns(env.container.path);
    try {
      h.linkAdd({ kind: 'dummy', name: 'master0', up: true });
      const cases = [
        ['l2', 'bridge'],
        ['l3', 'private'],
        ['l3s', 'vepa'],
      ] as const;
      cases.forEach(([mode, flag], i) => {
        h.linkAdd({ kind: 'ipvlan', name: `ipv${i}`, parent: 'master0', mode, flag });
        const info = kindData(env.host.name, `ipv${i}`);
        expect(info.info_kind).toBe('ipvlan');
        expect(info.info_data).toMatchObject({ mode });
        expect(h.linkByName(`ipv${i}`).data).toMatchObject({ kind: 'ipvlan', mode, flag });
      });
      h.linkAdd({ kind: 'ipvlan', name: 'eth0', parent: 'master0', mode: 'l2', netns: ctr, mtu: 1400 });
      expect(link(env.host.name, 'eth0')).toBeUndefined();
      expect(kindData(env.container.name, 'eth0').info_data).toMatchObject({ mode: 'l2' });
      expect(link(env.container.name, 'eth0')?.mtu).toBe(1400);
      // a duplicate name is refused with errno and object
      expect(() => h.linkAdd({ kind: 'ipvlan', name: 'ipv0', parent: 'master0' })).toThrow(
        'EEXIST creating link "ipv0": file exists',
      );
    } finally {
      ctr.close();
      h.close();
    }
  });

  it('creates 802.1Q and 802.1ad vlans, with dots in the name', () => {
    const { env, h } = hostHandle();
    try {
      h.linkAdd({ kind: 'dummy', name: 'trunk0' });
      h.linkAdd({ kind: 'vlan', name: 'trunk0.100', parent: 'trunk0', id: 100 });
      h.linkAdd({ kind: 'vlan', name: 'qinq0', parent: 'trunk0', id: 200, protocol: '802.1ad' });
      expect(kindData(env.host.name, 'trunk0.100').info_data).toMatchObject({ protocol: '802.1Q', id: 100 });
      expect(kindData(env.host.name, 'qinq0').info_data).toMatchObject({ protocol: '802.1ad', id: 200 });
      expect(h.linkByName('trunk0.100')).toMatchObject({ kind: 'vlan', data: { id: 100, protocol: '802.1Q' } });
      expect(h.linkByName('trunk0.100').parentIndex).toBe(h.linkByName('trunk0').index);
      expect(() => h.linkAdd({ kind: 'vlan', name: 'dupvlan', parent: 'trunk0', id: 100 })).toThrow(/^EEXIST creating link "dupvlan"/);
    } finally {
      h.close();
    }
  });

  it('creates a vrf, enslaves a link and routes through its table', () => {
    const { env, h } = hostHandle();
    try {
      h.linkAdd({ kind: 'vrf', name: 'vrf10', table: 10, up: true });
      h.linkAdd({ kind: 'dummy', name: 'vd0', master: 'vrf10', up: true });
      expect(kindData(env.host.name, 'vrf10').info_data).toMatchObject({ table: 10 });
      expect(link(env.host.name, 'vd0')?.master).toBe('vrf10');
      expect(h.linkByName('vrf10').data).toMatchObject({ kind: 'vrf', table: 10 });
      h.addrAdd('vd0', '10.60.0.1/24');
      // the connected route lands in the vrf's table, not main
      expect(h.routeList({ table: 10 }).map((r) => r.dst)).toContain('10.60.0.0/24');
      expect(h.routeList().map((r) => r.dst)).not.toContain('10.60.0.0/24');
      h.ruleAdd({ l3mdev: true, priority: 1000 });
      expect(rules(env.host.name, 4)).toEqual(expect.arrayContaining([expect.objectContaining({ priority: 1000, l3mdev: null })]));
      expect(h.ruleList(4).find((r) => r.priority === 1000)).toMatchObject({ l3mdev: true, action: 'to_tbl' });
    } finally {
      h.close();
    }
  });

  it('creates a VLAN-filtering bridge and manages VLANs of its ports', () => {
    const { env, h } = hostHandle();
    try {
      h.linkAdd({ kind: 'bridge', name: 'br0', vlanFiltering: true, defaultPvid: 1, up: true });
      expect(kindData(env.host.name, 'br0').info_data).toMatchObject({ vlan_filtering: 1, vlan_default_pvid: 1 });
      expect(h.linkByName('br0').data).toMatchObject({ kind: 'bridge', vlanFiltering: true, defaultPvid: 1 });
      h.linkAdd({ kind: 'veth', name: 'port0', master: 'br0', peer: { name: 'port0p' } });
      const port = h.linkByName('port0');
      h.bridgeVlanAdd('port0', 100, { pvid: true, untagged: true });
      h.bridgeVlanAdd('port0', 200);
      const bridgeOut = JSON.parse(execIn(env.host.name, 'bridge', ['-j', 'vlan', 'show', 'dev', 'port0'])) as {
        ifname: string;
        vlans: { vlan: number; flags?: string[] }[];
      }[];
      const vlans = bridgeOut[0]!.vlans;
      expect(vlans).toEqual(
        expect.arrayContaining([
          { vlan: 1, flags: ['Egress Untagged'] },
          { vlan: 100, flags: ['PVID', 'Egress Untagged'] },
          { vlan: 200 },
        ]),
      );
      const ours = h.bridgeVlanList().get(port.index)!;
      expect(ours.map((v) => [v.vid, v.pvid, v.untagged])).toEqual([
        [1, false, true],
        [100, true, true],
        [200, false, false],
      ]);
      h.bridgeVlanDel('port0', 1);
      h.bridgeVlanDel('port0', 200);
      expect(h.bridgeVlanList().get(port.index)!.map((v) => v.vid)).toEqual([100]);
      expect(() => h.bridgeVlanAdd('port0p', 10)).toThrow(/ adding vlan 10 to bridge port "port0p"/);
    } finally {
      h.close();
    }
  });
});
