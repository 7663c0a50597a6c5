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
});
