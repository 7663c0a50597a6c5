// Differential tests: the same CNI calls against the Go oracle (/usr/lib/cni/bridge v1.1.1 with
// its host-local) and ours (with our host-local), each in its own host/container namespaces;
// outputs, kernel state (links, port options, addresses, routes, sysctls) and iptables rules
// must agree, before and after DEL. Random names (host veths) and MACs are normalised; the
// documented differences of 1.1.1 from the newest upstream (plugins-main.md §3.8) are
// normalised here and asserted on their own at the end.
import { describe, expect, it } from 'vitest';
import { addrs, checkLeaks, iptablesSave, ipJson, links, routes, run, testEnv, type IpLink, underTest } from '@cni-ts/testkit';
import { cni, type PluginImpl as Impl, type CniOut as Out } from '@cni-ts/testkit';

checkLeaks();

const plugin = underTest('bridge', { timeout: 120_000 });
const { go } = plugin;

const CID = 'diffctr';

/** Names and MACs that differ between runs by design, replaced by stable placeholders. */
class Names {
  private map = new Map<string, string>();
  name(s: string): string {
    if (!/^veth[0-9a-f]{8}$/.test(s)) return s;
    if (!this.map.has(s)) this.map.set(s, `veth#${this.map.size}`);
    return this.map.get(s)!;
  }
  text(s: string): string {
    return s.replace(/veth[0-9a-f]{8}/g, (m) => this.name(m)).replace(/([0-9a-f]{2}:){5}[0-9a-f]{2}/g, 'MAC');
  }
}

const SLAVE_KEYS = ['state', 'hairpin', 'guard', 'learning', 'flood', 'isolated', 'proxy_arp', 'mcast_flood'];

function linkState(ns: string, l: IpLink, names: Names) {
  const info = l.linkinfo ?? {};
  const slave = info.info_slave_data ?? {};
  return {
    name: names.name(l.ifname),
    kind: info.info_kind,
    mtu: l.mtu,
    flags: l.flags.filter((f) => f !== 'LOWER_UP' && f !== 'NO-CARRIER').sort(),
    master: l.master,
    promiscuity: l.promiscuity,
    vlanFiltering: info.info_data?.vlan_filtering,
    port: Object.fromEntries(SLAVE_KEYS.filter((k) => k in slave).map((k) => [k, slave[k]])),
    // 1.1.1 creates veths with IFLA_TXQLEN=0; newest (and we) leave the kernel default.
    addrs: addrs(ns, l.ifname)
      .filter((a) => a.scope !== 'link')
      .map((a) => `${a.local}/${a.prefixlen}`)
      .sort(),
  };
}

function sysctls(ns: string, ifs: string[], names: Names) {
  const out: Record<string, string> = {};
  const keys = (i: string) => [`net/ipv4/conf/${i}/arp_notify`, `net/ipv6/conf/${i}/accept_dad`, `net/ipv6/conf/${i}/enhanced_dad`, `net/ipv6/conf/${i}/accept_ra`];
  for (const i of ifs) {
    for (const k of keys(i)) {
      const r = run('ip', ['netns', 'exec', ns, 'cat', `/proc/sys/${k}`]);
      out[names.text(k)] = r.status === 0 ? r.stdout.trim() : 'absent';
    }
  }
  for (const k of ['net/ipv4/ip_forward', 'net/ipv6/conf/all/forwarding']) out[k] = run('ip', ['netns', 'exec', ns, 'cat', `/proc/sys/${k}`]).stdout.trim();
  return out;
}

/** Everything a plugin leaves in the two namespaces, comparable across runs. */
function state(env: ReturnType<typeof testEnv>, names: Names) {
  const strip = (rs: Record<string, unknown>[]) =>
    rs.filter((r) => !String(r.dst).startsWith('fe80') && r.dst !== 'multicast' && r.type !== 'multicast').map(({ flags: _f, ...r }) => ({ ...r, dev: r.dev === undefined ? undefined : names.name(String(r.dev)) }));
  const host = links(env.host.name).filter((l) => l.ifname !== 'lo' && l.ifname !== 'uplink0');
  const cont = links(env.container.name).filter((l) => l.ifname !== 'lo');
  return {
    host: host.map((l) => linkState(env.host.name, l, names)).sort((a, b) => a.name.localeCompare(b.name)),
    container: cont.map((l) => linkState(env.container.name, l, names)),
    hostRoutes: strip(routes(env.host.name, 4)),
    containerRoutes4: strip(routes(env.container.name, 4)),
    containerRoutes6: strip(routes(env.container.name, 6)),
    hostSysctls: sysctls(env.host.name, host.map((l) => l.ifname), names),
    containerSysctls: sysctls(env.container.name, cont.map((l) => l.ifname), names),
    nat: iptablesSave(env.host.name, 4)
      .split('\n')
      .filter((l) => l.includes('CNI-')),
    bridgeVlans: ipJson(env.host.name, 'link', 'show', 'type', 'bridge').length ? bridgeVlans(env.host.name, names) : [],
  };
}

function bridgeVlans(ns: string, names: Names) {
  const r = run('bridge', ['-n', ns, '-j', 'vlan', 'show']);
  if (r.status !== 0 || !r.stdout.trim()) return [];
  return (JSON.parse(r.stdout) as { ifname: string; vlans: unknown[] }[]).map((p) => ({ ifname: names.name(p.ifname), vlans: p.vlans })).sort((a, b) => a.ifname.localeCompare(b.ifname));
}

/** A call's output as compared: JSON with names and MACs normalised; `dns: {}` dropped (CNI 1.1.2 prints it). */
function output(r: Out, names: Names): unknown {
  if (!r.json) return { exit: r.code, stdout: r.stdout };
  const j = JSON.parse(names.text(JSON.stringify(r.json)).replace(/\/run\/netns\/cnits-[0-9a-z-]*/g, 'SANDBOX')) as Record<string, unknown>;
  if (j.dns && Object.keys(j.dns as object).length === 0) delete j.dns;
  if ('code' in j) {
    // 1.1.1's hairpin/promisc text ends with a dot; ours carry `details` naming the field.
    return { exit: r.code, code: j.code, msg: String(j.msg).replace(/ at the same time\.$/, ' at the same time') };
  }
  return { exit: r.code, ...j };
}

interface Step {
  command: 'ADD' | 'DEL' | 'CHECK';
  args?: string;
  netns?: 'none';
  /** CHECK: include the ADD result as prevResult. */
  withPrev?: boolean;
}

interface Scenario {
  conf: (dir: string) => Record<string, unknown>;
  steps: Step[];
  /** prepares the host namespace (e.g. an existing bridge). */
  setup?: (env: ReturnType<typeof testEnv>) => void;
}

function play(impl: Impl, sc: Scenario) {
  const env = testEnv();
  sc.setup?.(env);
  const dir = plugin.dir(`bdiff-${impl.name}`);
  const conf = sc.conf(dir);
  const names = new Names();
  const outs: unknown[] = [];
  const states: unknown[] = [];
  let lastAdd: unknown;
  for (const s of sc.steps) {
    const c = s.withPrev ? { ...conf, prevResult: lastAdd } : conf;
    const r = cni(impl, env.host.name, { command: s.command, containerId: CID, netns: s.netns === 'none' ? '' : env.container.path, args: s.args ?? '' }, c);
    if (s.command === 'ADD' && r.code === 0) lastAdd = r.json;
    outs.push(output(r, names));
    states.push(state(env, names));
  }
  return { outs, states };
}

function same(sc: Scenario) {
  const g = play(go, sc);
  const t = play(plugin.ours, sc);
  expect(t.outs).toEqual(g.outs);
  expect(t.states).toEqual(g.states);
  return { go: g, ts: t };
}

const base = (extra: Record<string, unknown> = {}, ipam: Record<string, unknown> = { subnet: '10.31.0.0/24' }, cniVersion = '1.0.0') => (dir: string) => ({
  cniVersion,
  name: 'diffnet',
  type: 'bridge',
  bridge: 'diffbr0',
  ipam: { type: 'host-local', dataDir: dir, ...ipam },
  ...extra,
});

const lifecycle: Step[] = [{ command: 'ADD' }, { command: 'CHECK', withPrev: true }, { command: 'DEL' }, { command: 'DEL' }];

describe('bridge vs Go oracle (1.1.1)', () => {
  it.each(['0.3.1', '0.4.0', '1.0.0'])('plain ADD/DEL, cniVersion %s', (v) => {
    same({ conf: base({}, undefined, v), steps: v === '0.3.1' ? [{ command: 'ADD' }, { command: 'DEL' }] : lifecycle });
  });

  it('cniVersion 0.2.0: one address converts', () => {
    same({ conf: base({}, undefined, '0.2.0'), steps: [{ command: 'ADD' }, { command: 'DEL' }] });
  });

  it('isGateway, isDefaultGateway, mtu, ipMasq (iptables)', () => {
    same({ conf: base({ isDefaultGateway: true, ipMasq: true, mtu: 1400 }), steps: lifecycle });
  });

  it('isGateway with a default route from IPAM keeps IPAM routes; CHECK of a gateway-less route (fixed after 1.1.1)', () => {
    const sc = { conf: base({ isDefaultGateway: true }, { subnet: '10.31.0.0/24', routes: [{ dst: '0.0.0.0/0', gw: '10.31.0.254' }, { dst: '10.40.0.0/16' }] }), steps: lifecycle };
    const g = play(go, sc);
    const t = play(plugin.ours, sc);
    // 1.1.1 also matched the route's (absent) gateway, so a route IPAM gave without one never
    // passes its CHECK; newest matches on the destination only (plugins-main.md §7).
    expect(g.outs[1]).toEqual({ exit: 1, code: 999, msg: 'Expected Route {Dst:{IP:10.40.0.0 Mask:ffff0000} GW:<nil>} not found in routing table' });
    expect(t.outs[1]).toEqual({ exit: 0, stdout: '' });
    expect([t.outs[0], ...t.outs.slice(2)]).toEqual([g.outs[0], ...g.outs.slice(2)]);
    expect(t.states).toEqual(g.states);
  });

  it('dual stack with gateways and forwarding', () => {
    same({ conf: base({ isGateway: true }, { ranges: [[{ subnet: '10.31.0.0/24' }], [{ subnet: 'fd00:31::/64' }]] }), steps: lifecycle });
  });

  it('hairpinMode; promiscMode; enabledad', () => {
    same({ conf: base({ hairpinMode: true }), steps: lifecycle });
    same({ conf: base({ promiscMode: true }), steps: lifecycle });
    same({ conf: base({ enabledad: true }, { ranges: [[{ subnet: 'fd00:32::/64' }]] }), steps: [{ command: 'ADD' }, { command: 'DEL' }] });
  });

  it('MAC from CNI_ARGS, args.cni and runtimeConfig', () => {
    same({ conf: base(), steps: [{ command: 'ADD', args: 'IgnoreUnknown=1;MAC=02:00:00:00:01:01' }, { command: 'DEL' }] });
    same({ conf: base({ args: { cni: { mac: '02:00:00:00:01:02' } }, runtimeConfig: { mac: '02:00:00:00:01:03' } }), steps: [{ command: 'ADD', args: 'IgnoreUnknown=1;MAC=02:00:00:00:01:01' }, { command: 'DEL' }] });
  });

  it('layer 2 (no IPAM): ADD, and CHECK failing on the missing IPAM', () => {
    same({ conf: (dir) => ({ ...base()(dir), ipam: {} }), steps: [{ command: 'ADD' }, { command: 'CHECK', withPrev: true }, { command: 'DEL' }] });
  });

  it('an existing bridge is reused; a different address on it fails unless forceAddress', () => {
    const setup = (env: ReturnType<typeof testEnv>) => {
      run('ip', ['-n', env.host.name, 'link', 'add', 'diffbr0', 'type', 'bridge']);
      run('ip', ['-n', env.host.name, 'link', 'set', 'diffbr0', 'address', '02:00:00:00:00:aa']);
      run('ip', ['-n', env.host.name, 'addr', 'add', '10.1.1.1/24', 'dev', 'diffbr0']);
    };
    // Upstream leaves the container veth behind after this failure (we roll it back), so
    // compare the outputs only, then the forced run in full.
    const g = play(go, { setup, conf: base({ isGateway: true }), steps: [{ command: 'ADD' }] });
    const t = play(plugin.ours, { setup, conf: base({ isGateway: true }), steps: [{ command: 'ADD' }] });
    expect(t.outs).toEqual(g.outs);
    same({ setup, conf: base({ isGateway: true, forceAddress: true }), steps: lifecycle });
  });

  it('DEL without a netns, after a full ADD (IPAM released in both; rules: see compat test)', () => {
    same({ conf: base(), steps: [{ command: 'ADD' }, { command: 'DEL', netns: 'none' }, { command: 'DEL' }] });
  });

  it('macspoofchk rules match the oracle rule for rule', () => {
    const nft = (impl: Impl) => {
      const env = testEnv();
      const dir = plugin.dir('bdiff-msc');
      const conf = base({ macspoofchk: true })(dir);
      const r = cni(impl, env.host.name, { command: 'ADD', containerId: CID, netns: env.container.path }, conf);
      expect(r.code, r.stdout).toBe(0);
      const names = new Names();
      const text = names.text(run('ip', ['netns', 'exec', env.host.name, 'nft', 'list', 'table', 'bridge', 'nat']).stdout);
      cni(impl, env.host.name, { command: 'DEL', containerId: CID, netns: env.container.path }, conf);
      const after = run('ip', ['netns', 'exec', env.host.name, 'nft', 'list', 'table', 'bridge', 'nat']).stdout;
      return { text, after };
    };
    const g = nft(go);
    const t = nft(plugin.ours);
    expect(t.text).toEqual(g.text);
    expect(t.text).toContain('ether saddr MAC return comment "macspoofchk-diffctr-eth0"');
    expect(t.after).toEqual(g.after);
  });

  it('config errors: the same code and text', () => {
    const confs: Record<string, unknown>[] = [
      { mtu: '1500' },
      { isGateway: 'true' },
      { vlan: 5000 },
      { vlan: -1 },
      { vlan: 1.5 },
      { hairpinMode: true, promiscMode: true },
      { ipam: [] },
      { ipam: { type: 5 } },
      { args: 5 },
      { args: { cni: 5 } },
      { args: { cni: { mac: 5 } } },
      { runtimeConfig: { mac: 5 } },
      { prevResult: 5 },
      { capabilities: { mac: 1 } },
      { dns: { nameservers: 'x' } },
      { dns: { domain: 5 } },
      { runtimeConfig: { mac: 'zz' } },
    ];
    const outs = (impl: Impl) => {
      const env = testEnv();
      return confs.map((c) => output(cni(impl, env.host.name, { command: 'ADD', containerId: CID, netns: env.container.path }, { cniVersion: '1.0.0', name: 'n', type: 'bridge', bridge: 'errbr0', ...c }), new Names()));
    };
    expect(outs(plugin.ours)).toEqual(outs(go));
  });

  it('a missing netns and CHECK failures: the same code and text', () => {
    const outs = (impl: Impl) => {
      const env = testEnv();
      const dir = plugin.dir('bdiff-chk');
      const conf = base()(dir);
      const names = new Names();
      const call = (command: 'ADD' | 'CHECK' | 'DEL', c: unknown, netns = env.container.path) => output(cni(impl, env.host.name, { command, containerId: CID, netns }, c), names);
      const res: unknown[] = [call('ADD', conf, '/nonexistent/netns'), call('CHECK', conf, '/nonexistent/netns')];
      const r = cni(impl, env.host.name, { command: 'ADD', containerId: CID, netns: env.container.path }, conf).json as { interfaces: { name: string; mac: string; sandbox?: string }[] };
      const prev = (f: (x: typeof r) => unknown) => ({ ...conf, prevResult: f(structuredClone(r)) });
      res.push(
        call('CHECK', prev((x) => ({ ...x, interfaces: x.interfaces.map((i) => (i.name === 'diffbr0' ? { ...i, mac: '02:00:00:00:00:01' } : i)) }))),
        call('CHECK', prev((x) => ({ ...x, interfaces: x.interfaces.filter((i) => i.name !== 'diffbr0') }))),
        call('CHECK', prev((x) => ({ ...x, interfaces: x.interfaces.map((i) => (i.sandbox ? { ...i, sandbox: '/other' } : i)) }))),
        call('CHECK', prev((x) => ({ ...x, interfaces: x.interfaces.map((i) => (i.sandbox ? { ...i, mac: '02:00:00:00:00:01' } : i)) }))),
        call('CHECK', prev((x) => ({ ...x, interfaces: x.interfaces.filter((i) => !i.name.startsWith('veth')) }))),
        call('CHECK', prev((x) => ({ ...x, ips: [{ address: '10.31.0.99/24', gateway: '10.31.0.1', interface: 2 }] }))),
        call('CHECK', { ...conf, promiscMode: true, prevResult: r }),
      );
      call('DEL', conf);
      return res;
    };
    expect(outs(plugin.ours)).toEqual(outs(go));
  });

  it('CNI_ARGS errors: the same code and text', () => {
    const outs = (impl: Impl) => {
      const env = testEnv();
      return ['FOO=bar', 'MAC', 'IgnoreUnknown=x', 'MAC=02:00:00:00:00:01;MAC=zz'].map((a) =>
        output(cni(impl, env.host.name, { command: 'DEL', containerId: CID, netns: env.container.path, args: a }, { cniVersion: '1.0.0', name: 'n', type: 'bridge', bridge: 'errbr0' }), new Names()),
      );
    };
    expect(outs(plugin.ours)).toEqual(outs(go));
  });
});

describe('documented differences from the oracle (docs/compat.md, bridge)', () => {
  it('DEL with an empty CNI_NETNS: the oracle leaks the NAT chain and its POSTROUTING jump, we remove them', () => {
    const sc: Scenario = { conf: base({ isGateway: true, ipMasq: true }), steps: [{ command: 'ADD' }, { command: 'DEL', netns: 'none' }] };
    const g = play(go, sc);
    const t = play(plugin.ours, sc);
    expect(t.outs).toEqual(g.outs);
    const nat = (x: { states: unknown[] }) => (x.states[1] as { nat: string[] }).nat;
    expect(nat(g)).toHaveLength(4); // chain, POSTROUTING jump, ACCEPT, MASQUERADE
    expect(nat(t)).toEqual([]);
  });

  it('a failed ADD: the oracle leaves the container veth, we roll it back', () => {
    const setup = (env: ReturnType<typeof testEnv>) => {
      run('ip', ['-n', env.host.name, 'link', 'add', 'diffbr0', 'type', 'bridge']);
      run('ip', ['-n', env.host.name, 'addr', 'add', '10.1.1.1/24', 'dev', 'diffbr0']);
    };
    const sc: Scenario = { setup, conf: base({ isGateway: true }), steps: [{ command: 'ADD' }] };
    const g = play(go, sc);
    const t = play(plugin.ours, sc);
    expect(t.outs).toEqual([{ exit: 1, code: 999, msg: 'failed to set bridge addr: "diffbr0" already has an IP address different from 10.31.0.1/24' }]);
    expect(t.outs).toEqual(g.outs);
    const container = (x: { states: unknown[] }) => (x.states[0] as { container: { name: string }[] }).container.map((l) => l.name);
    expect(container(g)).toEqual(['eth0']);
    expect(container(t)).toEqual([]);
  });

  it('a bridge whose last port left before its MAC was pinned (00:00:00:00:00:00): the oracle fails to pin it, we pin its current MAC', () => {
    const setup = (env: ReturnType<typeof testEnv>) => {
      for (const a of [
        ['link', 'add', 'diffbr0', 'type', 'bridge'],
        ['link', 'add', 'tmpport0', 'type', 'veth', 'peer', 'name', 'tmpport1'],
        ['link', 'set', 'tmpport0', 'master', 'diffbr0'],
        ['link', 'del', 'tmpport0'],
      ]) run('ip', ['-n', env.host.name, ...a]);
    };
    const sc: Scenario = { setup, conf: base({ isGateway: true }), steps: [{ command: 'ADD' }, { command: 'DEL' }] };
    const g = play(go, sc);
    const t = play(plugin.ours, sc);
    expect(g.outs[0]).toEqual({ exit: 1, code: 999, msg: "failed to set bridge addr: could not set bridge's mac: invalid argument" });
    expect(t.outs[0]).toMatchObject({ exit: 0, ips: [{ interface: 2, address: '10.31.0.2/24', gateway: '10.31.0.1' }] });
  });
});
