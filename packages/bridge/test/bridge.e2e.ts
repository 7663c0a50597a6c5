// bridge end to end on the host kernel: the plugin runs with the test's "host" namespace as
// its own (ip netns exec), IPAM is our host-local found through CNI_PATH, and every check reads
// the kernel with ip/bridge/iptables/nft. Nothing here touches the real root namespace.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addrs, checkLeaks, iptablesSave, link, links, must, nftRuleset, ping, routes, sysctl, testEnv, type TestNetns, underTest } from '@cni-ts/testkit';
import { cni, ipamFiles } from '@cni-ts/testkit';

checkLeaks();

const plugin = underTest('bridge', { timeout: 120_000 });

function ipamDir(): string {
  const d = plugin.dir('bridge');
  return d;
}

interface Net {
  host: TestNetns;
  dir: string;
  conf: (extra?: Record<string, unknown>, ipam?: Record<string, unknown>) => Record<string, unknown>;
}

function net(name = 'brnet', subnet = '10.21.0.0/24'): Net & ReturnType<typeof testEnv> {
  const env = testEnv();
  const dir = ipamDir();
  return {
    ...env,
    dir,
    conf: (extra = {}, ipam = {}) => ({
      cniVersion: '1.0.0',
      name,
      type: 'bridge',
      bridge: 'mybr0',
      ipam: { type: 'host-local', subnet, dataDir: dir, ...ipam },
      ...extra,
    }),
  };
}

type Result = { interfaces: { name: string; mac?: string; sandbox?: string }[]; ips: { address: string; gateway?: string; interface?: number }[]; routes?: { dst: string; gw?: string }[] };

function add(n: Net, ns: TestNetns, conf: unknown, containerId = ns.name, ifname = 'eth0', args = ''): Result {
  const r = cni(plugin.ours, n.host.name, { command: 'ADD', containerId, netns: ns.path, ifname, args }, conf);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.json as unknown as Result;
}

function del(n: Net, ns: TestNetns | string, conf: unknown, containerId = typeof ns === 'string' ? 'ctr' : ns.name, ifname = 'eth0') {
  const r = cni(plugin.ours, n.host.name, { command: 'DEL', containerId, netns: typeof ns === 'string' ? ns : ns.path, ifname }, conf);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toBe('');
}

const hostVeths = (ns: string) => links(ns).filter((l) => l.linkinfo?.info_kind === 'veth');
const ipOf = (r: Result, i = 0) => r.ips[i]!.address.split('/')[0]!;

/** The CNI chains and rules in the nat table (iptables) of a namespace. */
const natCni = (ns: string, family: 4 | 6 = 4) =>
  iptablesSave(ns, family)
    .split('\n')
    .filter((l) => /CNI-/.test(l));

describe('bridge: connectivity', () => {
  it('two pods on one bridge ping each other; DEL leaves no veth and no reservation', () => {
    const n = net();
    const pod2 = n.extra('pod2');
    const conf = n.conf();
    const r1 = add(n, n.container, conf);
    const r2 = add(n, pod2, conf);

    expect(r1.interfaces.map((i) => i.name)).toEqual(['mybr0', expect.stringMatching(/^veth[0-9a-f]{8}$/), 'eth0']);
    expect(r1.interfaces[2]!.sandbox).toBe(n.container.path);
    expect(r1.ips).toEqual([{ interface: 2, address: '10.21.0.2/24', gateway: '10.21.0.1' }]);
    expect(r2.ips[0]!.address).toBe('10.21.0.3/24');
    // The reported MACs are the kernel's.
    expect(link(n.host.name, 'mybr0')?.address).toBe(r2.interfaces[0]!.mac);
    expect(link(n.host.name, r1.interfaces[1]!.name)?.address).toBe(r1.interfaces[1]!.mac);
    expect(link(n.container.name, 'eth0')?.address).toBe(r1.interfaces[2]!.mac);
    // Both host ends are ports of the bridge; the peers were created in the container directly.
    for (const r of [r1, r2]) expect(link(n.host.name, r.interfaces[1]!.name)?.master).toBe('mybr0');
    expect(link(n.container.name, 'eth0')?.link_netnsid).toBeTypeOf('number');

    expect(ping(n.container.name, ipOf(r2))).toBe(true);
    expect(ping(pod2.name, ipOf(r1))).toBe(true);
    // Not a gateway: the bridge has no address.
    expect(addrs(n.host.name, 'mybr0').filter((a) => a.family === 'inet')).toEqual([]);
    expect(sysctl(n.container.name, 'net/ipv4/conf/eth0/arp_notify')).toBe('1');
    expect(sysctl(n.container.name, 'net/ipv6/conf/eth0/accept_dad')).toBe('0');
    expect(sysctl(n.host.name, `net/ipv6/conf/${r1.interfaces[1]!.name}/accept_ra`)).toBe('0');
    expect(sysctl(n.host.name, 'net/ipv6/conf/mybr0/accept_ra')).toBe('0');

    del(n, n.container, conf);
    del(n, pod2, conf);
    // DEL twice is fine.
    del(n, n.container, conf);
    expect(hostVeths(n.host.name)).toEqual([]);
    expect(link(n.container.name, 'eth0')).toBeUndefined();
    expect(ipamFiles(n.dir, 'brnet').filter((f) => !f.startsWith('last_reserved'))).toEqual([]);
    // The bridge stays (it may be shared), as upstream.
    expect(link(n.host.name, 'mybr0')?.linkinfo?.info_kind).toBe('bridge');
  });

  it('isGateway + isDefaultGateway: gateway on the bridge, default route, forwarding on', () => {
    const n = net();
    const conf = n.conf({ isDefaultGateway: true, mtu: 1400 });
    const r = add(n, n.container, conf);
    expect(r.routes).toEqual([{ dst: '0.0.0.0/0', gw: '10.21.0.1' }]);
    expect(addrs(n.host.name, 'mybr0').filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['10.21.0.1/24']);
    expect(routes(n.container.name).find((x) => x.dst === 'default')).toMatchObject({ gateway: '10.21.0.1', dev: 'eth0' });
    expect(sysctl(n.host.name, 'net/ipv4/ip_forward')).toBe('1');
    expect(ping(n.container.name, '10.21.0.1')).toBe(true);
    // mtu: the new bridge and both veth ends.
    expect(link(n.host.name, 'mybr0')?.mtu).toBe(1400);
    expect(link(n.host.name, r.interfaces[1]!.name)?.mtu).toBe(1400);
    expect(link(n.container.name, 'eth0')?.mtu).toBe(1400);
    // The bridge MAC is pinned (set explicitly), so ports coming and going do not change it.
    expect(link(n.host.name, 'mybr0')?.address).toBe(r.interfaces[0]!.mac);
    del(n, n.container, conf);
  });

  it('IPv6 and dual stack: gateways on the bridge, addresses settled, pods reach each other over both', () => {
    const n = net('dualnet');
    const pod2 = n.extra('pod2');
    const conf = n.conf({ isGateway: true }, { subnet: undefined, ranges: [[{ subnet: '10.22.0.0/24' }], [{ subnet: 'fd00:22::/64' }]] });
    const r1 = add(n, n.container, conf);
    const r2 = add(n, pod2, conf);
    expect(r1.ips).toEqual([
      { interface: 2, address: '10.22.0.2/24', gateway: '10.22.0.1' },
      { interface: 2, address: 'fd00:22::2/64', gateway: 'fd00:22::1' },
    ]);
    const brAddrs = addrs(n.host.name, 'mybr0').filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`);
    expect(brAddrs.sort()).toEqual(['10.22.0.1/24', 'fd00:22::1/64']);
    // No tentative address left in the container (DAD off, settled).
    expect(addrs(n.container.name, 'eth0').some((a) => (a as { tentative?: boolean }).tentative)).toBe(false);
    expect(ping(n.container.name, ipOf(r2, 1))).toBe(true);
    // The bridge runs DAD on its gateway address (as with upstream): wait for it.
    const deadline = Date.now() + 5000;
    while (addrs(n.host.name, 'mybr0').some((a) => a.tentative) && Date.now() < deadline) must('sleep', ['0.1']);
    expect(ping(n.container.name, 'fd00:22::1')).toBe(true);
    expect(sysctl(n.host.name, 'net/ipv6/conf/all/forwarding')).toBe('1');
    del(n, n.container, conf);
    del(n, pod2, conf);
  });
});

describe('bridge: masquerade', () => {
  /** A peer namespace behind the host on 10.99.0.0/24 that has no route back to the pods. */
  function uplink(n: ReturnType<typeof net>): TestNetns {
    const peer = n.extra('peer');
    must('ip', ['-n', n.host.name, 'link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', peer.name]);
    must('ip', ['-n', n.host.name, 'addr', 'add', '10.99.0.1/24', 'dev', 'uplink0']);
    must('ip', ['-n', n.host.name, 'link', 'set', 'uplink0', 'up']);
    must('ip', ['-n', peer.name, 'addr', 'add', '10.99.0.2/24', 'dev', 'eth0']);
    must('ip', ['-n', peer.name, 'link', 'set', 'eth0', 'up']);
    return peer;
  }

  it.each(['iptables', 'nftables'])('isGateway + ipMasq (%s): a pod reaches a namespace behind the host, DEL removes the rules', (backend) => {
    const n = net('masqnet', '10.23.0.0/24');
    const peer = uplink(n);
    const conf = n.conf({ isDefaultGateway: true, ipMasq: true, ipMasqBackend: backend });
    const r = add(n, n.container, conf);
    const ip = ipOf(r);

    // The peer has no route to 10.23.0.0/24: only a masqueraded ping can come back.
    expect(routes(peer.name).some((x) => x.dst === '10.23.0.0/24' || x.dst === 'default')).toBe(false);
    expect(ping(n.container.name, '10.99.0.2')).toBe(true);
    // Control: a pod of a network without ipMasq on the same bridge does not get through.
    const plain = n.extra('plain');
    const plainConf = { ...conf, name: 'plainnet', bridge: 'plainbr0', ipMasq: false, ipam: { ...(conf.ipam as object), subnet: '10.28.0.0/24' } };
    add(n, plain, plainConf);
    expect(ping(plain.name, '10.99.0.2')).toBe(false);
    del(n, plain, plainConf);

    if (backend === 'iptables') {
      const chain = natCni(n.host.name).find((l) => l.startsWith(':'))!.slice(1).split(' ')[0]!;
      expect(chain).toMatch(/^CNI-[0-9a-f]{24}$/);
      const comment = `"name: \\"masqnet\\" id: \\"${n.container.name}\\""`;
      expect(natCni(n.host.name)).toEqual([
        `:${chain} - [0:0]`,
        `-A POSTROUTING -s ${ip}/32 -m comment --comment ${comment} -j ${chain}`,
        `-A ${chain} -d 10.23.0.0/24 -m comment --comment ${comment} -j ACCEPT`,
        `-A ${chain} ! -d 224.0.0.0/4 -m comment --comment ${comment} -j MASQUERADE`,
      ]);
    } else {
      const rules = nftRuleset(n.host.name);
      expect(rules).toContain('table inet cni_plugins_masquerade');
      expect(rules).toMatch(new RegExp(`ip saddr ${ip.replaceAll('.', '\\.')} ip daddr != 10\\.23\\.0\\.0/24 masquerade comment "[0-9a-f]{16}-[0-9a-f]{16}, net: masqnet, if: eth0, id: ${n.container.name}"`));
      expect(natCni(n.host.name)).toEqual([]);
    }

    del(n, n.container, conf);
    expect(natCni(n.host.name)).toEqual([]);
    expect(nftRuleset(n.host.name)).not.toContain('masquerade comment');
    expect(ipamFiles(n.dir, 'masqnet').filter((f) => !f.startsWith('last_reserved'))).toEqual([]);
  });

  it.each(['iptables', 'nftables'])('DEL with an empty CNI_NETNS and no prevResult releases IPAM and removes the %s rules (upstream leaks them, CP#810)', (backend) => {
    const n = net('masqnet', '10.24.0.0/24');
    const conf = n.conf({ isGateway: true, ipMasq: true, ipMasqBackend: backend, macspoofchk: true });
    add(n, n.container, conf);
    expect(natCni(n.host.name).length + (nftRuleset(n.host.name).match(/masquerade comment/g)?.length ?? 0)).toBeGreaterThan(0);
    // containerd's RemovePodSandbox: the sandbox is gone, CNI_NETNS is empty.
    del(n, '', conf, n.container.name);
    expect(natCni(n.host.name)).toEqual([]);
    expect(nftRuleset(n.host.name)).not.toContain('masquerade comment');
    expect(nftRuleset(n.host.name)).not.toContain('macspoofchk');
    expect(ipamFiles(n.dir, 'masqnet').filter((f) => !f.startsWith('last_reserved'))).toEqual([]);
    // The veth went with the namespace in real life; here it is still there until the namespace goes.
    del(n, n.container, conf);
    expect(hostVeths(n.host.name)).toEqual([]);
  });

  it('dual stack ipMasq (iptables): ip6tables gets the IPv6 rules with ff00::/8; DEL removes both families', () => {
    const n = net('masq6net');
    const conf = n.conf({ isGateway: true, ipMasq: true }, { subnet: undefined, ranges: [[{ subnet: '10.29.0.0/24' }], [{ subnet: 'fd00:29::/64' }]] });
    add(n, n.container, conf);
    const v6 = natCni(n.host.name, 6);
    expect(v6.find((l) => l.includes('MASQUERADE'))).toMatch(/^-A CNI-[0-9a-f]{24} ! -d ff00::\/8 -m comment --comment .* -j MASQUERADE$/);
    expect(v6.find((l) => l.startsWith('-A POSTROUTING'))).toMatch(/^-A POSTROUTING -s fd00:29::2\/128 /);
    expect(natCni(n.host.name, 4)).toHaveLength(4);
    // Without a namespace the addresses are unknown: both families are swept.
    del(n, '', conf, n.container.name);
    expect(natCni(n.host.name, 4)).toEqual([]);
    expect(natCni(n.host.name, 6)).toEqual([]);
    del(n, n.container, conf);
  });

  it('DEL after the container namespace is gone still removes the rules', () => {
    const n = net('masqnet', '10.25.0.0/24');
    const pod = n.extra('gone');
    const conf = n.conf({ isGateway: true, ipMasq: true });
    add(n, pod, conf);
    must('ip', ['netns', 'delete', pod.name]);
    del(n, pod, conf);
    expect(natCni(n.host.name)).toEqual([]);
    expect(hostVeths(n.host.name)).toEqual([]);
    expect(ipamFiles(n.dir, 'masqnet').filter((f) => !f.startsWith('last_reserved'))).toEqual([]);
  });
});

describe('bridge: a firewall set-up that fails half-way (issue 18)', () => {
  /** A PATH directory whose `tool` runs the real one, except for calls matching `pattern`, which fail. */
  function failingTool(tool: string, real: string, pattern: string): string {
    const dir = ipamDir();
    writeFileSync(join(dir, tool), `#!/bin/sh\ncase "$*" in\n  ${pattern}) echo "injected failure" >&2; exit 1 ;;\nesac\nexec ${real} "$@"\n`);
    chmodSync(join(dir, tool), 0o755);
    return dir;
  }

  it('spoof-check: the chains of the first transaction are removed when the second fails', () => {
    const n = net('spoofnet', '10.26.0.0/24');
    const fake = failingTool('nft', '/usr/sbin/nft', '*macspoofchk*drop*');
    const conf = n.conf({ macspoofchk: true });
    const r = cni(plugin.ours, n.host.name, { command: 'ADD', containerId: n.container.name, netns: n.container.path }, conf, ['env', `PATH=${fake}:${process.env.PATH ?? '/usr/sbin:/usr/bin'}`]);
    expect(r.code).toBe(1);
    expect((r.json as { msg: string }).msg).toMatch(/failed to setup spoof-check: .*injected failure/);
    const rules = nftRuleset(n.host.name);
    expect(rules).not.toContain('cni-br-iface');
    expect(rules).not.toContain('macspoofchk');
    expect(hostVeths(n.host.name)).toEqual([]);
  });

  it('masquerade: the chain and its rules are removed when the POSTROUTING jump fails', () => {
    const n = net('masqnet', '10.27.0.0/24');
    const fake = failingTool('iptables', '/usr/sbin/iptables', '*POSTROUTING*-j\\ CNI-*');
    const conf = n.conf({ isGateway: true, ipMasq: true, ipMasqBackend: 'iptables' });
    const r = cni(plugin.ours, n.host.name, { command: 'ADD', containerId: n.container.name, netns: n.container.path }, conf, ['env', `PATH=${fake}:${process.env.PATH ?? '/usr/sbin:/usr/bin'}`]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/injected failure/);
    expect(natCni(n.host.name)).toEqual([]);
    expect(ipamFiles(n.dir, 'masqnet').filter((f) => !f.startsWith('last_reserved'))).toEqual([]);
    expect(hostVeths(n.host.name)).toEqual([]);
  });
});

describe('bridge: port options', () => {
  it('hairpinMode and portIsolation are visible on the port in ip -d; promiscMode on the bridge', () => {
    const n = net();
    const r = add(n, n.container, n.conf({ hairpinMode: true, portIsolation: true }));
    const port = r.interfaces[1]!.name;
    const d = must('ip', ['-n', n.host.name, '-d', 'link', 'show', port]);
    expect(d).toContain('hairpin on');
    expect(d).toContain('isolated on');
    expect(link(n.host.name, port)?.linkinfo?.info_slave_data).toMatchObject({ hairpin: true, isolated: true });
    del(n, n.container, n.conf({ hairpinMode: true, portIsolation: true }));

    const p = net('promnet');
    const conf = { ...p.conf({ promiscMode: true }), bridge: 'prombr0' };
    const r2 = add(p, p.container, conf);
    const br = must('ip', ['-n', p.host.name, '-d', 'link', 'show', 'prombr0']);
    expect(br).toMatch(/PROMISC/);
    expect(br).toMatch(/promiscuity 1/);
    const port2 = link(p.host.name, r2.interfaces[1]!.name)?.linkinfo?.info_slave_data;
    expect(port2).toMatchObject({ hairpin: false, isolated: false });
    del(p, p.container, conf);
  });

  it('hairpinMode with promiscMode is refused before anything is created', () => {
    const n = net();
    const r = cni(plugin.ours, n.host.name, { command: 'ADD', containerId: 'x', netns: n.container.path }, n.conf({ hairpinMode: true, promiscMode: true }));
    expect(r.json).toEqual({ code: 999, msg: 'cannot set hairpin mode and promiscuous mode at the same time' });
    expect(link(n.host.name, 'mybr0')).toBeUndefined();
  });

  it('macspoofchk: nft bridge rules drop frames with another source MAC; DEL removes the chains', () => {
    const n = net();
    const pod2 = n.extra('pod2');
    const conf = n.conf({ macspoofchk: true });
    const r = add(n, n.container, conf);
    add(n, pod2, n.conf());
    const id = `${n.container.name}-eth0`;
    const rules = nftRuleset(n.host.name);
    expect(rules).toContain('table bridge nat');
    expect(rules).toMatch(/chain PREROUTING \{\s+type filter hook prerouting priority dstnat; policy accept;/); // -300
    expect(rules).toContain(`iifname "${r.interfaces[1]!.name}" jump cni-br-iface-${id} comment "macspoofchk-${id}"`);
    expect(rules).toContain(`ether saddr ${r.interfaces[2]!.mac} return comment "macspoofchk-${id}"`);
    expect(rules).toContain(`drop comment "macspoofchk-${id}"`);
    expect(ping(n.container.name, '10.21.0.3')).toBe(true);
    // A spoofed source MAC is dropped at the bridge.
    must('ip', ['-n', n.container.name, 'link', 'set', 'eth0', 'address', '02:00:00:00:00:99']);
    must('ip', ['-n', pod2.name, 'neigh', 'flush', 'all']);
    expect(ping(n.container.name, '10.21.0.3')).toBe(false);

    del(n, n.container, conf);
    del(n, pod2, n.conf());
    const after = nftRuleset(n.host.name);
    expect(after).not.toContain('cni-br-iface');
    expect(after).not.toContain('macspoofchk');
  });

  it('disableContainerInterface: the container end stays down (layer 2); with IPAM it is refused', () => {
    const n = net();
    const l2 = { ...n.conf({ disableContainerInterface: true }), ipam: {} };
    const r = add(n, n.container, l2);
    expect(r.ips ?? []).toEqual([]);
    expect(link(n.container.name, 'eth0')?.flags).not.toContain('UP');
    del(n, n.container, l2);
    const bad = cni(plugin.ours, n.host.name, { command: 'ADD', containerId: 'x', netns: n.container.path }, n.conf({ disableContainerInterface: true }));
    expect(bad.json).toEqual({ code: 999, msg: 'cannot use IPAM when DisableContainerInterface flag is set' });
  });

  it('layer 2 (no IPAM): the container end is up, no addresses', () => {
    const n = net();
    const l2 = { ...n.conf(), ipam: {} };
    const r = add(n, n.container, l2);
    expect(r.interfaces).toHaveLength(3);
    expect(link(n.container.name, 'eth0')?.flags).toContain('UP');
    del(n, n.container, l2);
  });

  it('the container MAC comes from CNI_ARGS, args.cni and runtimeConfig, in that rising precedence', () => {
    const n = net();
    const pick = (conf: Record<string, unknown>, args: string) => {
      const r = add(n, n.container, conf, 'macctr', 'eth0', args);
      const mac = link(n.container.name, 'eth0')?.address;
      expect(r.interfaces[2]!.mac).toBe(mac);
      del(n, n.container, conf, 'macctr');
      return mac;
    };
    expect(pick(n.conf(), 'IgnoreUnknown=1;MAC=02:00:00:00:00:01;K8S_POD_NAME=x')).toBe('02:00:00:00:00:01');
    expect(pick(n.conf({ args: { cni: { mac: '02:00:00:00:00:02' } } }), 'IgnoreUnknown=1;MAC=02:00:00:00:00:01')).toBe('02:00:00:00:00:02');
    expect(pick(n.conf({ args: { cni: { mac: '02:00:00:00:00:02' } }, runtimeConfig: { mac: '02:00:00:00:00:03' } }), 'IgnoreUnknown=1;MAC=02:00:00:00:00:01')).toBe('02:00:00:00:00:03');
    const bad = cni(plugin.ours, n.host.name, { command: 'ADD', containerId: 'm', netns: n.container.path }, n.conf({ runtimeConfig: { mac: 'zz' } }));
    expect(bad.json).toEqual({ code: 999, msg: 'failed to make veth pair: address zz: invalid MAC address' });
  });
});

describe('bridge: CHECK, STATUS, failures', () => {
  it('CHECK passes on what ADD did and fails once the address is gone', () => {
    const n = net();
    const conf = n.conf({ isDefaultGateway: true });
    const r = add(n, n.container, conf);
    const withPrev = { ...conf, prevResult: r };
    const ok = cni(plugin.ours, n.host.name, { command: 'CHECK', containerId: n.container.name, netns: n.container.path }, withPrev);
    expect(ok.code, ok.stdout).toBe(0);
    must('ip', ['-n', n.container.name, 'addr', 'flush', 'dev', 'eth0']);
    const bad = cni(plugin.ours, n.host.name, { command: 'CHECK', containerId: n.container.name, netns: n.container.path }, withPrev);
    expect(bad.json).toEqual({ code: 999, msg: 'Failed to match addr 10.21.0.2/24 on interface eth0' });
    const noPrev = cni(plugin.ours, n.host.name, { command: 'CHECK', containerId: n.container.name, netns: n.container.path }, conf);
    expect(noPrev.json).toEqual({ code: 999, msg: 'Required prevResult missing' });
    del(n, n.container, conf);
  });

  it('STATUS asks IPAM', () => {
    const n = net();
    const r = cni(plugin.ours, n.host.name, { command: 'STATUS' }, { ...n.conf(), cniVersion: '1.1.0' });
    expect(r.code, r.stdout).toBe(0);
  });

  it('a failure after IPAM rolls back: no veth, no lease, no rule', () => {
    const n = net('failnet', '10.26.0.0/24');
    const conf = n.conf({ isGateway: true, ipMasq: true, ipMasqBackend: 'bogus' });
    const r = cni(plugin.ours, n.host.name, { command: 'ADD', containerId: 'f1', netns: n.container.path }, conf);
    expect(r.json).toEqual({ code: 999, msg: 'unknown ipmasq backend "bogus"' });
    expect(hostVeths(n.host.name)).toEqual([]);
    expect(link(n.container.name, 'eth0')).toBeUndefined();
    expect(ipamFiles(n.dir, 'failnet').filter((f) => !f.startsWith('last_reserved'))).toEqual([]);
    expect(natCni(n.host.name)).toEqual([]);
  });

  it('an IPAM failure leaves no veth behind', () => {
    const n = net('fullnet', '10.27.0.0/30');
    const pod2 = n.extra('pod2');
    const conf = n.conf();
    add(n, n.container, conf); // takes the only address
    const r = cni(plugin.ours, n.host.name, { command: 'ADD', containerId: pod2.name, netns: pod2.path }, conf);
    expect(r.code).toBe(1);
    expect((r.json as { msg: string }).msg).toMatch(/no IP addresses available/);
    expect(link(pod2.name, 'eth0')).toBeUndefined();
    expect(hostVeths(n.host.name)).toHaveLength(1);
    del(n, n.container, conf);
  });

  it('forceAddress: a different IPv4 address on the bridge is an error, or replaced with forceAddress', () => {
    const n = net();
    must('ip', ['-n', n.host.name, 'link', 'add', 'mybr0', 'type', 'bridge']);
    must('ip', ['-n', n.host.name, 'addr', 'add', '10.1.1.1/24', 'dev', 'mybr0']);
    const conf = n.conf({ isGateway: true });
    const r = cni(plugin.ours, n.host.name, { command: 'ADD', containerId: 'a', netns: n.container.path }, conf);
    expect(r.json).toEqual({ code: 999, msg: 'failed to set bridge addr: "mybr0" already has an IP address different from 10.21.0.1/24' });
    // rolled back
    expect(link(n.container.name, 'eth0')).toBeUndefined();
    const forced = { ...conf, forceAddress: true };
    add(n, n.container, forced, 'a');
    expect(addrs(n.host.name, 'mybr0').filter((a) => a.family === 'inet').map((a) => a.local)).toEqual(['10.21.0.1']);
    del(n, n.container, forced, 'a');
  });

  it('config errors name the field and keep upstream texts', () => {
    const n = net();
    const call = (c: unknown) => cni(plugin.ours, n.host.name, { command: 'ADD', containerId: 'a', netns: n.container.path }, c).json;
    expect(call(n.conf({ mtu: '1500' }))).toEqual({ code: 999, msg: 'failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.mtu of type int', details: 'mtu' });
    expect(call(n.conf({ vlan: 5000 }))).toEqual({ code: 999, msg: 'invalid VLAN ID 5000 (must be between 0 and 4094)', details: 'vlan' });
    expect(call(n.conf({ vlanTrunk: [{ minID: 5 }] }))).toEqual({ code: 999, msg: 'minID and maxID should be configured simultaneously, maxID is missing', details: 'vlanTrunk[0]' });
    expect(call(n.conf({ args: { cni: { mac: 5 } } }))).toMatchObject({ msg: 'failed to load netconf: json: cannot unmarshal number into Go struct field BridgeArgs.args.cni.mac of type string' });
    expect(link(n.host.name, 'mybr0')).toBeUndefined();
  });
});

describe('bridge: README', () => {
  it('the example configuration works as described', () => {
    const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');
    const example = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(readme)![1]!) as Record<string, unknown> & { ipam: Record<string, unknown> };
    const env = testEnv();
    const dir = ipamDir();
    const conf = { ...example, ipam: { ...example.ipam, dataDir: dir } };
    const n = { ...env, dir, conf: () => conf };
    const r = add(n, env.container, conf);
    expect(r.ips).toEqual([{ interface: 2, address: '192.168.12.10/24', gateway: '192.168.12.1' }]);
    expect(r.routes).toEqual([{ dst: '0.0.0.0/0' }]);
    expect(addrs(env.host.name, 'mybr0').filter((a) => a.family === 'inet').map((a) => a.local)).toEqual(['192.168.12.1']);
    expect(routes(env.container.name).find((x) => x.dst === 'default')?.gateway).toBe('192.168.12.1');
    expect(natCni(env.host.name)).toHaveLength(4);
    del(n, env.container, conf);
    expect(natCni(env.host.name)).toEqual([]);
  });
});
