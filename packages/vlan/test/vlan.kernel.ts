// vlan against a kernel that has 8021q (the user-mode-linux guest of the kernel suite): the same
// steps through the Go oracle (/usr/lib/cni/vlan, v1.1.1, with its host-local) and ours, results,
// errors and kernel state compared; traffic between two "nodes"; the documented rollback.
// UML is slow (every syscall through ptrace): a handful of plugin runs in all.
import { rmSync } from 'node:fs';
import { checkLeaks, cni, dataDir, goPlugin, ipamFiles, link, links, must, nsState, ping, testEnv, tsPlugin, type PluginImpl, type TestEnv } from '@cni-ts/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

checkLeaks(['/var/lib/cni']);

let ours: PluginImpl;
const go = goPlugin('vlan');
const dirs: string[] = [];
beforeAll(async () => {
  // IPAM in-process, as the installed binary runs it: a Node start in the guest costs seconds.
  ours = await tsPlugin('vlan', { ipam: 'in-process' });
}, 600_000);
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function conf(extra: Record<string, unknown> = {}, ipam: Record<string, unknown> = {}) {
  const dir = dataDir('vlan');
  dirs.push(dir);
  return { cniVersion: '1.0.0', name: 'vnet', type: 'vlan', master: 'master0', vlanId: 10, ipam: { type: 'host-local', dataDir: dir, subnet: '10.86.0.0/24', ...ipam }, ...extra };
}
type Conf = ReturnType<typeof conf>;
// The route names its gateway: 1.1.1's CHECK cannot find a gateway-less route (fixed upstream since, see plugin-kit in docs/compat.md).
const full = () => conf({ mtu: 1400, dns: { nameservers: ['10.86.0.53'] } }, { routes: [{ dst: '10.97.0.0/16', gw: '10.86.0.1' }] });
const badRoutes = () => conf({}, { routes: [{ dst: '10.97.0.0/16', gw: '10.86.0.254' }, { dst: '10.97.0.0/16', gw: '10.86.0.254' }] });

/** A pod on `node` (a netns name) with a static address on VLAN `vlanId` of master0. */
function pod(node: string, netns: string, vlanId: number, address: string) {
  const c = { cniVersion: '1.0.0', name: 'vnet', type: 'vlan', master: 'master0', vlanId, ipam: { type: 'static', addresses: [{ address }] } };
  const r = cni(ours, node, { command: 'ADD', netns, containerId: address.replace(/[./]/g, '-') }, c);
  expect(r.code, r.stdout + r.stderr).toBe(0);
}

function setup(): TestEnv {
  const env = testEnv();
  must('ip', ['-n', env.host.name, 'link', 'add', 'master0', 'type', 'dummy']);
  must('ip', ['-n', env.host.name, 'link', 'set', 'master0', 'up', 'mtu', '1450']);
  return env;
}

function normal(r: ReturnType<typeof cni>, env: TestEnv): unknown {
  if (!r.json) return { exit: r.code };
  if ('code' in r.json) return { exit: r.code, code: r.json.code, msg: r.json.msg };
  return { exit: r.code, ...(JSON.parse(JSON.stringify(r.json).replaceAll(env.container.path, '<netns>').replace(/"mac":"[0-9a-f:]+"/g, '"mac":"<mac>"')) as object) };
}

/** What upstream itself changed after 1.1.1 is left out: qlen, ndisc_notify, keep_addr_on_down. */
function state(env: TestEnv) {
  const s = nsState(env.container.name, { sysctlIfs: ['eth0'] });
  for (const l of s.links) delete l.txqlen;
  delete s.sysctls['net/ipv6/conf/eth0/ndisc_notify'];
  delete s.sysctls['net/ipv6/conf/eth0/keep_addr_on_down'];
  return s;
}

function steps(impl: PluginImpl, make: () => Conf, commands: string[]) {
  const env = setup();
  const c = make();
  const out: unknown[] = [];
  let prev: unknown;
  for (const command of commands) {
    const r = cni(impl, env.host.name, { command, netns: env.container.path }, command === 'CHECK' ? { ...c, prevResult: prev } : c);
    if (command === 'ADD' && r.code === 0) prev = r.json;
    out.push(normal(r, env), state(env), ipamFiles(c.ipam.dataDir, 'vnet'));
  }
  return out;
}

describe('vlan (UML)', { timeout: 600_000 }, () => {
  it('vs Go oracle: ADD (MTU, routes, dns), CHECK, DEL, DEL again', () => {
    const commands = ['ADD', 'CHECK', 'DEL', 'DEL'];
    const g = steps(go, full, commands);
    const t = steps(ours, full, commands);
    expect(t).toEqual(g);
    expect(g[0]).toMatchObject({ exit: 0, interfaces: [{ name: 'eth0' }] });
    expect(g[1]).toMatchObject({ links: [{ name: 'eth0', kind: 'vlan', mtu: 1400, data: { id: 10 } }] });
  });

  it('pods on one VLAN id reach each other across the master; a pod on another id does not', () => {
    const nodeA = setup();
    const nodeB = nodeA.extra('nodeb');
    // master0 of node A is a dummy: make the wire a veth between the nodes instead.
    must('ip', ['-n', nodeA.host.name, 'link', 'del', 'master0']);
    must('ip', ['-n', nodeA.host.name, 'link', 'add', 'master0', 'type', 'veth', 'peer', 'name', 'master0', 'netns', nodeB.name]);
    for (const ns of [nodeA.host.name, nodeB.name]) must('ip', ['-n', ns, 'link', 'set', 'master0', 'up']);
    const pod2 = nodeA.extra('pod2');
    const pod3 = nodeA.extra('pod3');
    pod(nodeA.host.name, nodeA.container.path, 10, '10.86.0.10/24');
    pod(nodeB.name, pod2.path, 10, '10.86.0.11/24');
    pod(nodeB.name, pod3.path, 20, '10.86.0.12/24');
    expect(ping(nodeA.container.name, '10.86.0.11')).toBe(true);
    expect(ping(nodeA.container.name, '10.86.0.12', 1, 1)).toBe(false);
  });

  it('a failure after the link exists: the oracle leaves the VLAN in the container, ours removes it and releases IPAM', () => {
    const [gOut, gState, gIpam] = steps(go, badRoutes, ['ADD']);
    const [tOut, tState, tIpam] = steps(ours, badRoutes, ['ADD']);
    expect(tOut).toMatchObject({ exit: 1, code: 999, msg: expect.stringMatching(/file exists$/) });
    expect((gOut as { msg: string }).msg).toMatch(/file exists$/);
    expect((gState as { links: { name: string }[] }).links.map((l) => l.name)).toEqual(['eth0']);
    expect((tState as { links: unknown[] }).links).toEqual([]);
    const reserved = (files: unknown) => (files as string[]).filter((f) => f.startsWith('10.'));
    expect(reserved(gIpam)).toEqual([]);
    expect(reserved(tIpam)).toEqual([]);
  });

  it('DEL succeeds when the master is gone (upstream fails: it looks the master up first)', () => {
    const env = setup();
    const c = conf();
    expect(cni(ours, env.host.name, { command: 'ADD', netns: env.container.path }, c).code).toBe(0);
    must('ip', ['-n', env.host.name, 'link', 'del', 'master0']);
    // Deleting the master took the VLAN with it; the address is still reserved until DEL.
    expect(link(env.container.name, 'eth0')).toBeUndefined();
    expect(cni(go, env.host.name, { command: 'DEL', netns: env.container.path }, c).json).toMatchObject({ code: 999, msg: 'Link not found' });
    expect(cni(ours, env.host.name, { command: 'DEL', netns: env.container.path }, c).code).toBe(0);
    expect(ipamFiles(c.ipam.dataDir, 'vnet').filter((f) => f.startsWith('10.'))).toEqual([]);
    expect(links(env.container.name).map((l) => l.ifname)).toEqual(['lo']);
  });
});
