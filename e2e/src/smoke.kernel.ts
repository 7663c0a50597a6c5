// Kernel suite smoke test: proves the suite really runs inside the user-mode-linux guest and that
// every link kind the host kernel lacks (ipvlan, 8021q, dummy, vrf, bridge VLAN filtering) works
// there, plus iptables masquerade on the legacy backend the guest switches to.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addrs, checkLeaks, iptablesSave, link, must, ping, testEnv } from '@cni-ts/testkit';

describe('kernel smoke: the suite runs in user-mode-linux with the missing link kinds', () => {
  checkLeaks(['/var/lib/cni']);

  it('runs inside the UML guest, not on the host', () => {
    expect(process.env.CNITS_KERNEL).toBe('1');
    expect(readFileSync('/proc/cpuinfo', 'utf8')).toMatch(/^vendor_id\s*:\s*User Mode Linux$/m);
  });

  it('creates an ipvlan on a dummy master and moves it into a namespace', () => {
    const { host, container } = testEnv();
    const h = ['-n', host.name];
    must('ip', [...h, 'link', 'add', 'smkdummy0', 'type', 'dummy']);
    must('ip', [...h, 'link', 'set', 'smkdummy0', 'up']);
    must('ip', [...h, 'link', 'add', 'link', 'smkdummy0', 'name', 'smkipvl0', 'type', 'ipvlan', 'mode', 'l2']);
    must('ip', [...h, 'link', 'set', 'smkipvl0', 'netns', container.name]);
    must('ip', ['-n', container.name, 'addr', 'add', '10.198.0.2/24', 'dev', 'smkipvl0']);
    must('ip', ['-n', container.name, 'link', 'set', 'smkipvl0', 'up']);

    expect(link(host.name, 'smkipvl0')).toBeUndefined();
    const ipvl = link(container.name, 'smkipvl0');
    expect(ipvl?.linkinfo?.info_kind).toBe('ipvlan');
    expect(ipvl?.linkinfo?.info_data?.mode).toBe('l2');
    // The master stayed behind: the slave refers to it through another namespace.
    expect(ipvl?.link_netnsid).toBeTypeOf('number');
    expect(link(host.name, 'smkdummy0')?.linkinfo?.info_kind).toBe('dummy');
    expect(addrs(container.name, 'smkipvl0').map((a) => a.local)).toContain('10.198.0.2');
  });

  it('passes traffic between two ipvlan slaves of one master', () => {
    const { host, container, extra } = testEnv();
    const peer = extra('peer');
    const h = ['-n', host.name];
    must('ip', [...h, 'link', 'add', 'smkdummy0', 'type', 'dummy']);
    must('ip', [...h, 'link', 'set', 'smkdummy0', 'up']);
    for (const [ns, addr] of [
      [container, '10.198.1.2/24'],
      [peer, '10.198.1.3/24'],
    ] as const) {
      must('ip', [...h, 'link', 'add', 'link', 'smkdummy0', 'name', 'eth0', 'netns', ns.name, 'type', 'ipvlan', 'mode', 'l2']);
      must('ip', ['-n', ns.name, 'addr', 'add', addr, 'dev', 'eth0']);
      must('ip', ['-n', ns.name, 'link', 'set', 'eth0', 'up']);
    }
    expect(ping(container.name, '10.198.1.3', 2)).toBe(true);
  });

  it('creates an 802.1q vlan on a dummy device', () => {
    const { host } = testEnv();
    const h = ['-n', host.name];
    must('ip', [...h, 'link', 'add', 'smkdummy0', 'type', 'dummy']);
    must('ip', [...h, 'link', 'add', 'link', 'smkdummy0', 'name', 'smkvlan100', 'type', 'vlan', 'id', '100']);
    const vlan = link(host.name, 'smkvlan100');
    expect(vlan?.linkinfo?.info_kind).toBe('vlan');
    expect(vlan?.linkinfo?.info_data).toMatchObject({ protocol: '802.1Q', id: 100 });
    expect(vlan?.link).toBe('smkdummy0');
  });

  it('creates a vrf bound to a routing table', () => {
    const { host } = testEnv();
    must('ip', ['-n', host.name, 'link', 'add', 'smkvrf0', 'type', 'vrf', 'table', '1001']);
    const vrf = link(host.name, 'smkvrf0');
    expect(vrf?.linkinfo?.info_kind).toBe('vrf');
    expect(vrf?.linkinfo?.info_data?.table).toBe(1001);
  });

  it('filters vlans on a bridge (vlan_filtering 1)', () => {
    const { host } = testEnv();
    const h = ['-n', host.name];
    must('ip', [...h, 'link', 'add', 'smkbr0', 'type', 'bridge', 'vlan_filtering', '1']);
    must('ip', [...h, 'link', 'add', 'smkport0', 'type', 'veth', 'peer', 'name', 'smkport1']);
    must('ip', [...h, 'link', 'set', 'smkport0', 'master', 'smkbr0']);
    must('bridge', [...h, 'vlan', 'add', 'vid', '42', 'dev', 'smkport0']);

    expect(link(host.name, 'smkbr0')?.linkinfo?.info_data?.vlan_filtering).toBe(1);
    const vlans = JSON.parse(must('bridge', [...h, '-j', 'vlan', 'show', 'dev', 'smkport0'])) as {
      ifname: string;
      vlans: { vlan: number }[];
    }[];
    expect(vlans.find((p) => p.ifname === 'smkport0')?.vlans.map((v) => v.vlan)).toContain(42);
  });

  it('masquerades through iptables (legacy backend) inside a namespace', () => {
    const { host } = testEnv();
    must('ip', ['netns', 'exec', host.name, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', '10.198.2.0/24', '-j', 'MASQUERADE']);
    expect(must('ip', ['netns', 'exec', host.name, 'iptables', '-V'])).toContain('legacy');
    expect(iptablesSave(host.name)).toContain('-A POSTROUTING -s 10.198.2.0/24 -j MASQUERADE');
  });
});
