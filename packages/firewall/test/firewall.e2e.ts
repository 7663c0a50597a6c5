// firewall as a runtime runs it after bridge, in throwaway namespaces: the same filter rules as
// the Go oracle after ADD, CHECK and DEL, the same errors, what the ingress policies drop, and the
// firewalld backend against a real firewalld on a private system bus in its own namespace.
import { checkLeaks, cni, goPlugin, iptablesSave, must, ping, run, testEnv, tsPlugin, type PluginImpl, type TestEnv } from '@cni-ts/testkit';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';

checkLeaks();

let ours: PluginImpl;
const go = goPlugin('firewall');
beforeAll(async () => {
  ours = await tsPlugin('firewall');
});

// No system bus unless a test starts one: the backend choice must not find the host's.
const NO_BUS = { DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent/cnits-no-bus' };

const prev = (ctrPath: string, bridge = 'cni0', v4 = '10.96.1.5/24', v6: string | undefined = 'fd96:1::5/64') => ({
  cniVersion: '1.0.0',
  interfaces: [{ name: bridge }, { name: 'veth1', mac: '00:00:00:00:00:01' }, { name: 'eth0', sandbox: ctrPath }],
  ips: [{ address: v4, gateway: v4.replace(/\d+\/24$/, '1'), interface: 2 }, ...(v6 ? [{ address: v6, interface: 2 }] : [])],
});
const conf = (prevResult: unknown, extra: Record<string, unknown> = {}) => ({ cniVersion: '1.0.0', name: 'fwnet', type: 'firewall', prevResult, ...extra });

/** iptables-save of both families (testkit's, without the timestamp comments). */
const filterRules = (ns: string) => `${iptablesSave(ns, 4)}\n${iptablesSave(ns, 6)}`;

describe('firewall iptables: the Go oracle rule for rule', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['defaults', {}],
    ['custom admin chain', { iptablesAdminChainName: 'MY-ADMIN' }],
    ['same-bridge', { ingressPolicy: 'same-bridge' }],
  ];
  it.each(cases)('%s: ADD, CHECK, DEL', (_name, extra) => {
    const env = testEnv();
    const goHost = env.extra('gohost').name;
    const snaps: Record<string, unknown[]> = {};
    for (const [impl, host] of [
      [go, goHost],
      [ours, env.host.name],
    ] as const) {
      const c = conf(prev(env.container.path), extra);
      const call = { containerId: 'fw1', netns: env.container.path, env: NO_BUS };
      const add = cni(impl, host, { ...call, command: 'ADD' }, c);
      expect(add.code, `${impl.name} ADD ${add.stdout}${add.stderr}`).toBe(0);
      const afterAdd = filterRules(host);
      const check = cni(impl, host, { ...call, command: 'CHECK' }, c);
      expect(check.code, `${impl.name} CHECK ${check.stdout}`).toBe(0);
      const del = cni(impl, host, { ...call, command: 'DEL' }, c);
      expect(del.code, `${impl.name} DEL ${del.stdout}`).toBe(0);
      // 1.1.1 prints an empty "dns": {} (newer libraries leave it out)
      const { dns: _dns, ...result } = add.json as Record<string, unknown>;
      snaps[impl.name] = [afterAdd, filterRules(host), result];
    }
    // newer upstream comments the shared isolation rules "(ingressPolicy: same-bridge|isolated)"
    const shared = /\(ingressPolicy: same-bridge\|isolated\)/g;
    if (extra.ingressPolicy) expect(snaps.ts![0]).toMatch(shared);
    snaps.ts = snaps.ts!.map((x) => (typeof x === 'string' ? x.replace(shared, '(ingressPolicy: same-bridge)') : x));
    expect(snaps.ts).toEqual(snaps.go);
    if (extra.ingressPolicy) {
      // a node upgraded from 1.1.1 keeps its isolation rules (DEL leaves them): ours are not doubled
      const c2 = conf(prev(env.container.path, 'cni0', '10.96.1.7/24', undefined), extra);
      expect(cni(ours, goHost, { command: 'ADD', containerId: 'fw2', netns: env.container.path, env: NO_BUS }, c2).code).toBe(0);
      expect(filterRules(goHost).match(/-j CNI-ISOLATION-STAGE-1$/gm)).toHaveLength(2); // one per family
    }
    expect(snaps.ts![0]).toContain('-A CNI-FORWARD -d 10.96.1.5/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
    expect(snaps.ts![0]).toContain('-A CNI-FORWARD -s fd96:1::5/128 -j ACCEPT');
    expect(snaps.ts![1]).not.toContain('-A CNI-FORWARD -s');
  });

  it('the same errors; isolated (newer than 1.1.1); DEL without prevResult', () => {
    const env = testEnv();
    const call = { containerId: 'fw1', netns: env.container.path, env: NO_BUS };
    const p = prev(env.container.path);
    const pairs: [string, unknown, string][] = [
      ['unknown policy', conf(p, { ingressPolicy: 'bogus' }), 'ADD'],
      ['no prevResult', conf(undefined), 'ADD'],
      ['no prevResult', conf(undefined), 'CHECK'],
      ['0.3.1', { ...conf(p), cniVersion: '0.3.1' }, 'ADD'],
      ['bad type', conf(p, { firewalldZone: 7 }), 'ADD'],
    ];
    for (const [what, c, command] of pairs) {
      const g = cni(go, env.extra('g').name, { ...call, command }, c);
      const t = cni(ours, env.host.name, { ...call, command }, c);
      const pick = (o: typeof g) => [o.code, (o.json as { code?: number } | undefined)?.code, (o.json as { msg?: string } | undefined)?.msg];
      expect(pick(t), `${what} ${command}`).toEqual(pick(g));
    }
    // refused before anything is written (upstream writes the rules, then refuses)
    expect(filterRules(env.host.name)).not.toContain('CNI-FORWARD');
    const iso = cni(ours, env.host.name, { ...call, command: 'ADD' }, conf(p, { ingressPolicy: 'isolated' }));
    expect(iso.code, iso.stdout).toBe(0);
    expect(filterRules(env.host.name)).toContain('-A CNI-ISOLATION-STAGE-1 -i cni0 -o cni0 -m comment --comment "CNI firewall plugin rules (ingressPolicy: isolated)" -j DROP');
    expect(cni(ours, env.host.name, { ...call, command: 'DEL' }, conf(undefined)).code).toBe(0);
  });
});

const ip = (ns: string, ...args: string[]) => must('ip', ['-n', ns, ...args]);

/** Two bridges in one host namespace, containers a1, a2 on cni0 and b1 on cni1 (br_netfilter on). */
function bridges(env: TestEnv): Record<'a1' | 'a2' | 'b1', { ns: string; path: string; ip: string }> {
  const h = env.host.name;
  must('ip', ['netns', 'exec', h, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  run('ip', ['netns', 'exec', h, 'sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=1']);
  const out = {} as Record<'a1' | 'a2' | 'b1', { ns: string; path: string; ip: string }>;
  for (const [br, net] of [
    ['cni0', '10.96.1'],
    ['cni1', '10.96.2'],
  ] as const) {
    ip(h, 'link', 'add', br, 'type', 'bridge');
    ip(h, 'addr', 'add', `${net}.1/24`, 'dev', br);
    ip(h, 'link', 'set', br, 'up');
  }
  const members = [
    ['a1', 'cni0', '10.96.1.5'],
    ['a2', 'cni0', '10.96.1.6'],
    ['b1', 'cni1', '10.96.2.5'],
  ] as const;
  for (const [name, br, addr] of members) {
    const n = env.extra(name);
    ip(h, 'link', 'add', `v${name}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.name);
    ip(h, 'link', 'set', `v${name}`, 'master', br, 'up');
    ip(n.name, 'addr', 'add', `${addr}/24`, 'dev', 'eth0');
    ip(n.name, 'link', 'set', 'eth0', 'up');
    ip(n.name, 'route', 'add', 'default', 'via', addr.replace(/\d+$/, '1'));
    out[name] = { ns: n.name, path: n.path, ip: addr };
  }
  return out;
}

describe('firewall ingress policies drop what they must', () => {
  for (const policy of ['same-bridge', 'isolated'] as const) {
    it(policy, () => {
      const env = testEnv();
      const m = bridges(env);
      for (const [name, br] of [
        ['a1', 'cni0'],
        ['a2', 'cni0'],
        ['b1', 'cni1'],
      ] as const) {
        const r = cni(ours, env.host.name, { command: 'ADD', containerId: name, netns: m[name].path, env: NO_BUS }, conf(prev(m[name].path, br, `${m[name].ip}/24`, undefined), { ingressPolicy: policy }));
        expect(r.code, r.stdout).toBe(0);
      }
      expect(ping(m.b1.ns, m.a1.ip), 'other bridge').toBe(false);
      expect(ping(m.a1.ns, m.b1.ip), 'other bridge').toBe(false);
      expect(ping(m.a2.ns, m.a1.ip), 'same bridge').toBe(policy === 'same-bridge');
      expect(ping(m.a1.ns, '10.96.1.1'), 'the host').toBe(true);
    });
  }
});

/** A private system bus (dbus-daemon) and firewalld in a namespace of their own. */
async function firewalld(env: TestEnv): Promise<{ ns: string; bus: string }> {
  const ns = env.extra('fwd').name;
  const dir = mkdtempSync(join(tmpdir(), 'cnits-fwd-'));
  const bus = `unix:path=${dir}/bus`;
  writeFileSync(
    join(dir, 'bus.conf'),
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>${bus}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/></policy></busconfig>`,
  );
  const procs: ChildProcess[] = [];
  onTestFinished(async () => {
    for (const p of procs.toReversed()) {
      p.kill('SIGTERM');
      if (p.exitCode === null) await new Promise((r) => p.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const start = (argv: string[]) => {
    const p = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: 'ignore', env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: bus } });
    procs.push(p);
  };
  start(['dbus-daemon', `--config-file=${dir}/bus.conf`, '--nofork']);
  start(['firewalld', '--nofork', '--nopid', '--system-config', dir, '--log-target', 'console']);
  const owner = () => run('ip', ['netns', 'exec', ns, 'env', `DBUS_SYSTEM_BUS_ADDRESS=${bus}`, 'dbus-send', '--system', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.GetNameOwner', 'string:org.fedoraproject.FirewallD1']).status === 0;
  for (let i = 0; i < 300 && !owner(); i++) await new Promise((r) => setTimeout(r, 100));
  expect(owner(), 'firewalld did not come up on the private bus').toBe(true);
  return { ns, bus };
}

const trusted = (ns: string, bus: string) =>
  run('ip', ['netns', 'exec', ns, 'env', `DBUS_SYSTEM_BUS_ADDRESS=${bus}`, 'dbus-send', '--system', '--print-reply', '--dest=org.fedoraproject.FirewallD1', '/org/fedoraproject/FirewallD1', 'org.fedoraproject.FirewallD1.zone.getSources', 'string:trusted']).stdout;

describe('firewall firewalld backend', () => {
  it('is chosen when firewalld owns its name; ADD, CHECK, DEL move the addresses in and out of the zone', async () => {
    const env = testEnv();
    const { ns, bus } = await firewalld(env);
    const c = conf(prev(env.container.path));
    const call = { containerId: 'fwd1', netns: env.container.path, env: { DBUS_SYSTEM_BUS_ADDRESS: bus } };
    const add = cni(ours, ns, { ...call, command: 'ADD' }, c);
    expect(add.code, add.stdout + add.stderr).toBe(0);
    expect(trusted(ns, bus)).toMatch(/10\.96\.1\.5\/32[\s\S]*fd96:1::5\/128|fd96:1::5\/128[\s\S]*10\.96\.1\.5\/32/);
    expect(filterRules(ns)).not.toContain('CNI-FORWARD'); // not the iptables backend
    expect(cni(ours, ns, { ...call, command: 'ADD' }, c).code).toBe(0); // ZONE_ALREADY_SET is fine
    expect(cni(ours, ns, { ...call, command: 'CHECK' }, c).code).toBe(0);
    // the Go oracle sees the same zone
    expect(cni(go, ns, { ...call, command: 'CHECK' }, c).code).toBe(0);
    expect(cni(ours, ns, { ...call, command: 'DEL' }, c).code).toBe(0);
    expect(trusted(ns, bus)).not.toContain('10.96.1.5');
    const check = cni(ours, ns, { ...call, command: 'CHECK' }, c);
    expect((check.json as { msg: string }).msg).toBe('failed to find the address 10.96.1.5/32 in trusted zone');
    // a custom zone, explicitly chosen
    const z = conf(prev(env.container.path), { backend: 'firewalld', firewalldZone: 'internal' });
    expect(cni(ours, ns, { ...call, command: 'ADD' }, z).code).toBe(0);
    expect(cni(ours, ns, { ...call, command: 'DEL' }, z).code).toBe(0);
  });
});
