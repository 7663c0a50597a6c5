// portmap as a runtime runs it after a main plugin, in throwaway namespaces: the same iptables
// rules as the Go oracle after ADD, CHECK and DEL, the same errors, and real traffic through the
// host port with both backends.
import { checkLeaks, cni, goPlugin, must, nftRuleset, tsPlugin, type PluginImpl } from '@cni-ts/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { CTR4, get, HOST4, podNet, rulesOf } from './harness';

checkLeaks();

let ours: PluginImpl;
const go = goPlugin('portmap');
beforeAll(async () => {
  ours = await tsPlugin('portmap');
});

const MAPPINGS = [
  { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
  { hostPort: 8053, containerPort: 53, protocol: 'udp' },
  { hostPort: 8081, containerPort: 80, protocol: 'tcp', hostIP: HOST4 },
  { hostPort: 8082, containerPort: 80, protocol: 'tcp', hostIP: 'fd98::1' },
];

const conf = (prevResult: unknown, extra: Record<string, unknown> = {}, portMappings: unknown = MAPPINGS) => ({
  cniVersion: '1.0.0',
  name: 'pmnet',
  type: 'portmap',
  capabilities: { portMappings: true },
  runtimeConfig: { portMappings },
  prevResult,
  ...extra,
});

describe('portmap iptables: the Go oracle rule for rule', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['defaults', {}],
    ['snat off', { snat: false }],
    ['markMasqBit 5, conditions', { markMasqBit: 5, conditionsV4: ['-s', '10.97.0.0/24'], conditionsV6: ['!', '-s', 'fd99::1'] }],
    ['externalSetMarkChain', { externalSetMarkChain: 'KUBE-MARK-MASQ' }],
  ];
  it.each(cases)('%s: ADD, CHECK, DEL', (_name, extra) => {
    const { env, prevResult } = podNet();
    const other = env.extra('gohost').name;
    // the Go run gets its own host namespace, identical up to the container link
    const snapshots: Record<string, string[]> = {};
    for (const [impl, host] of [
      [go, other],
      [ours, env.host.name],
    ] as const) {
      for (const fam of ['iptables', 'ip6tables']) must('ip', ['netns', 'exec', host, fam, '-t', 'nat', '-N', 'KUBE-MARK-MASQ']);
      const c = conf(prevResult, extra);
      const call = { containerId: 'ctr-abc123', netns: env.container.path };
      const add = cni(impl, host, { ...call, command: 'ADD' }, c);
      expect(add.code, `${impl.name} ADD ${add.stdout}${add.stderr}`).toBe(0);
      const afterAdd = rulesOf(host);
      const check = cni(impl, host, { ...call, command: 'CHECK' }, c);
      // 1.1.1 checks the IPv4 rules with ip6tables too (fixed in v1.3.0): its CHECK always fails here
      if (impl === go) expect((check.json as { msg: string }).msg).toMatch(/^could not check ipv6 dnat: rule \[\[-p tcp --dport 8080 (-s 10\.98\.0\.5\/24 )?-j/);
      else expect(check.code, `${impl.name} CHECK ${check.stdout}${check.stderr}`).toBe(0);
      // a second ADD (a runtime retrying) changes nothing (ours; Go's is the same by construction)
      if (impl === ours) expect(cni(impl, host, { ...call, command: 'ADD' }, c).code).toBe(0);
      const afterAdd2 = rulesOf(host);
      const del = cni(impl, host, { ...call, command: 'DEL' }, c);
      expect(del.code, `${impl.name} DEL ${del.stdout}${del.stderr}`).toBe(0);
      snapshots[impl.name] = [afterAdd, afterAdd2, rulesOf(host)];
      expect(afterAdd2).toBe(afterAdd);
    }
    expect(snapshots.ts).toEqual(snapshots.go);
    expect(snapshots.ts![0]).toContain('DNAT --to-destination 10.98.0.5:80');
    expect(snapshots.ts![0]).toContain('DNAT --to-destination [fd98::5]:80');
    expect(snapshots.ts![2]).not.toContain('CNI-DN-');
  });

  it('the same errors for bad mappings and configs; DEL without a netns or after the tables were emptied', () => {
    const { env, prevResult } = podNet();
    const bad: [string, Record<string, unknown>, unknown][] = [
      ['container port 0', {}, [{ hostPort: 8080, containerPort: 0, protocol: 'tcp' }]],
      ['host port -1', {}, [{ hostPort: -1, containerPort: 80, protocol: 'tcp' }]],
      ['mark bit 32', { markMasqBit: 32 }, MAPPINGS],
      ['mark bit and external chain', { markMasqBit: 3, externalSetMarkChain: 'X' }, MAPPINGS],
      ['hostPort a string', {}, [{ hostPort: '80', containerPort: 80, protocol: 'tcp' }]],
    ];
    for (const [what, extra, pms] of bad) {
      for (const command of ['ADD', 'DEL']) {
        const call = { command, containerId: 'c1', netns: env.container.path };
        const g = cni(go, env.host.name, call, conf(prevResult, extra, pms));
        const t = cni(ours, env.host.name, call, conf(prevResult, extra, pms));
        expect([t.code, (t.json as { code?: number }).code, (t.json as { msg?: string }).msg], `${what} ${command}`).toEqual([
          g.code,
          (g.json as { code?: number }).code,
          (g.json as { msg?: string }).msg,
        ]);
      }
    }
    // newest upstream refuses an unknown backend (1.1.1 ignores the key): compat.md
    const unknown = cni(ours, env.host.name, { command: 'ADD', containerId: 'c1', netns: env.container.path }, conf(prevResult, { backend: 'ebpf' }));
    expect(unknown.json).toMatchObject({ code: 999, msg: 'failed to parse config: unrecognized backend "ebpf"' });
    const mixed = cni(ours, env.host.name, { command: 'ADD', containerId: 'c1', netns: env.container.path }, conf(prevResult, { backend: 'nftables', externalSetMarkChain: 'K' }));
    expect((mixed.json as { msg: string }).msg).toBe('failed to parse config: nftables backend was requested but configuration contains iptables-specific options [externalSetMarkChain]');
    // no prevResult
    const noPrev = cni(ours, env.host.name, { command: 'ADD', containerId: 'c1', netns: env.container.path }, conf(undefined));
    expect((noPrev.json as { msg: string }).msg).toBe('must be called as chained plugin');
    // a host namespace without any route yet (no main table): ADD works, route_localnet is skipped
    const bare = env.extra('bare').name;
    const bareAdd = cni(ours, bare, { command: 'ADD', containerId: 'c1', netns: env.container.path }, conf(prevResult));
    expect(bareAdd.code, bareAdd.stdout).toBe(0);
    expect(cni(ours, bare, { command: 'DEL', containerId: 'c1' }, conf(prevResult)).code).toBe(0);
    // DEL with an empty CNI_NETNS, of a container whose rules a reboot already removed
    expect(cni(ours, env.host.name, { command: 'DEL', containerId: 'gone' }, conf(prevResult)).code).toBe(0);
    expect(cni(ours, env.host.name, { command: 'DEL', containerId: 'gone' }, conf(undefined)).code).toBe(0);
  });
});

describe('portmap traffic', () => {
  for (const backend of ['iptables', 'nftables'] as const) {
    it(`${backend}: client namespace, host address, 127.0.0.1 and hairpin reach the container; DEL removes it all`, () => {
      const { env, client, prevResult } = podNet({ serve: true });
      const h = env.host.name;
      const c = conf(prevResult, { backend }, [{ hostPort: 18080, containerPort: 80, protocol: 'tcp' }, { hostPort: 18053, containerPort: 53, protocol: 'udp' }]);
      const call = { containerId: 'ctr-traffic', netns: env.container.path };
      const add = cni(ours, h, { ...call, command: 'ADD' }, c);
      expect(add.code, add.stdout + add.stderr).toBe(0);
      expect(cni(ours, h, { ...call, command: 'CHECK' }, c).code).toBe(0);
      const hello = 'hello from the container\n';
      expect(get(client, `http://${HOST4}:18080/`)).toBe(hello);
      expect(get(h, 'http://127.0.0.1:18080/')).toBe(hello);
      expect(get(env.container.name, `http://${HOST4}:18080/`)).toBe(hello); // hairpin
      expect(must('ip', ['netns', 'exec', h, 'sysctl', '-n', 'net.ipv4.conf.cni0.route_localnet']).trim()).toBe('1');
      if (backend === 'nftables') {
        const rs = nftRuleset(h);
        expect(rs).toContain('table ip cni_hostport');
        expect(rs).toContain(`tcp dport 18080 dnat to ${CTR4}:80 comment "ctr-traffic"`);
        expect(rs).toContain(`ip saddr 127.0.0.1 ip daddr ${CTR4} masquerade comment "ctr-traffic"`);
      }
      expect(cni(ours, h, { ...call, command: 'DEL' }, c).code).toBe(0);
      expect(get(client, `http://${HOST4}:18080/`)).toBe('');
      expect(nftRuleset(h)).not.toContain('ctr-traffic');
      expect(rulesOf(h)).not.toContain('CNI-DN-');
      // CHECK after DEL fails
      expect(cni(ours, h, { ...call, command: 'CHECK' }, c).code).toBe(1);
    });
  }

  it('nftables conditions in nft syntax go to the prerouting and output rules', () => {
    const { env, prevResult } = podNet();
    const h = env.host.name;
    const c = conf(prevResult, { backend: 'nftables', conditionsV4: ['ip', 'saddr', '!=', '10.96.0.0/16'] });
    expect(cni(ours, h, { command: 'ADD', containerId: 'cond', netns: env.container.path }, c).code).toBe(0);
    expect(nftRuleset(h)).toMatch(/ip saddr != 10\.96\.0\.0\/16 fib daddr type local jump hostports_all/);
    expect(cni(ours, h, { command: 'DEL', containerId: 'cond' }, c).code).toBe(0);
  });

  it('GC removes the chains of containers no longer attached (iptables)', () => {
    const { env, prevResult } = podNet();
    const h = env.host.name;
    for (const id of ['keep', 'stale']) expect(cni(ours, h, { command: 'ADD', containerId: id, netns: env.container.path }, conf(prevResult)).code).toBe(0);
    const gc = cni(ours, h, { command: 'GC' }, { cniVersion: '1.1.0', name: 'pmnet', type: 'portmap', 'cni.dev/valid-attachments': [{ containerID: 'keep', ifname: 'eth0' }] });
    expect(gc.code, gc.stdout).toBe(0);
    const rules = rulesOf(h);
    expect(rules).toContain('id: \\"keep\\"');
    expect(rules).not.toContain('id: \\"stale\\"');
  });

  it('GC removes the nftables rules of this network whose attachment is gone; not another network\'s, nor the untagged ones of the Go plugin', () => {
    const { env, prevResult } = podNet();
    const h = env.host.name;
    const nft = (name: string, hostPort: number) => conf(prevResult, { backend: 'nftables', name }, [{ hostPort, containerPort: 80, protocol: 'tcp' }]);
    const add = (id: string, name: string, hostPort: number) => {
      const r = cni(ours, h, { command: 'ADD', containerId: id, netns: env.container.path }, nft(name, hostPort));
      expect(r.code, r.stdout + r.stderr).toBe(0);
    };
    add('keep', 'pmnet', 8080);
    add('stale', 'pmnet', 8081);
    add('stale', 'othernet', 9090);
    add('keep', 'othernet', 9091);
    // a rule as the Go plugin writes it: the container ID as comment, no tag
    must('ip', ['netns', 'exec', h, 'nft', 'add rule ip cni_hostport hostports tcp dport 9191 dnat to 10.98.0.5:80 comment "stale"']);
    const gc = (valid: unknown) => cni(ours, h, { command: 'GC' }, { cniVersion: '1.1.0', name: 'pmnet', type: 'portmap', backend: 'nftables', ...(valid !== undefined && { 'cni.dev/valid-attachments': valid }) });
    // the IPv4 rules (the IPv6 ones name the same ports)
    const dports = () => [...nftRuleset(h).matchAll(/dport (\d+) dnat to 10\.98\.0\.5:80 comment "(\w+)"/g)].map((x) => `${x[1]} ${x[2]}`).toSorted();
    const masq = (id: string) => nftRuleset(h).split('\n').filter((l) => l.includes(`masquerade comment "${id}"`)).length;

    // the tag is invisible to nft: the rules read exactly as upstream's
    const before = nftRuleset(h);
    expect(before).not.toContain('cni-ts');
    expect(before).toContain(`tcp dport 8081 dnat to ${CTR4}:80 comment "stale"`);
    expect(JSON.stringify(JSON.parse(must('ip', ['netns', 'exec', h, 'nft', '-j', 'list', 'ruleset'])))).toContain('"comment":"stale"');
    expect(masq('stale')).toBe(6); // per network: saddr <cIP> and 127.0.0.1 (ip), saddr <cIP> (ip6)

    expect(gc(undefined).code).toBe(0); // no list: nothing is known to be stale
    expect(dports()).toEqual(['8080 keep', '8081 stale', '9090 stale', '9091 keep', '9191 stale']);

    const r = gc([{ containerID: 'keep', ifname: 'eth0' }]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(dports()).toEqual(['8080 keep', '9090 stale', '9091 keep', '9191 stale']);
    expect(masq('stale')).toBe(3); // othernet's
    expect(masq('keep')).toBe(6);
    // an attachment is container ID and interface: keep on another interface is not keep on eth0
    expect(gc([{ containerID: 'keep', ifname: 'net1' }]).code).toBe(0);
    expect(dports()).toEqual(['9090 stale', '9091 keep', '9191 stale']);

    // DEL: this network's rules and untagged ones, never another network's
    add('keep', 'pmnet', 8080);
    expect(cni(ours, h, { command: 'DEL', containerId: 'keep' }, nft('pmnet', 8080)).code).toBe(0);
    expect(dports()).toEqual(['9090 stale', '9091 keep', '9191 stale']);
    expect(cni(ours, h, { command: 'DEL', containerId: 'stale' }, nft('othernet', 9090)).code).toBe(0);
    expect(dports()).toEqual(['9091 keep']);
    expect(cni(ours, h, { command: 'DEL', containerId: 'keep' }, nft('othernet', 9091)).code).toBe(0);
    expect(nftRuleset(h)).not.toMatch(/comment "(keep|stale)"/);
  });

  it('GC (iptables): no list removes nothing, null removes the network\'s chains, another network\'s stay', () => {
    const { env, prevResult } = podNet();
    const h = env.host.name;
    for (const name of ['pmnet', 'othernet']) expect(cni(ours, h, { command: 'ADD', containerId: 'gone', netns: env.container.path }, conf(prevResult, { name })).code).toBe(0);
    const gc = (extra: Record<string, unknown>) => cni(ours, h, { command: 'GC' }, { cniVersion: '1.1.0', name: 'pmnet', type: 'portmap', ...extra });
    expect(gc({}).code).toBe(0);
    expect(rulesOf(h)).toContain('dnat name: \\"pmnet\\" id: \\"gone\\"');
    expect(gc({ 'cni.dev/valid-attachments': null }).code).toBe(0);
    expect(rulesOf(h)).not.toContain('dnat name: \\"pmnet\\"');
    expect(rulesOf(h)).toContain('dnat name: \\"othernet\\" id: \\"gone\\"');
    expect(cni(ours, h, { command: 'DEL', containerId: 'gone' }, conf(prevResult, { name: 'othernet' })).code).toBe(0);
    expect(rulesOf(h)).not.toContain('CNI-DN-');
  });
});
