// dummy against a kernel that has it (the user-mode-linux guest of the kernel suite). No Go
// oracle exists (dummy came in upstream v1.2.0, Debian's is 1.1.1): the expectations are
// upstream's documented behaviour and its own tests (plugins/main/dummy/dummy_test.go).
import { rmSync } from 'node:fs';
import { addrs, checkLeaks, cni, dataDir, ipamFiles, link, links, must, routes, testEnv, tsPlugin, type PluginImpl } from '@cni-ts/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

checkLeaks(['/var/lib/cni']);

let ours: PluginImpl;
const dirs: string[] = [];
beforeAll(async () => {
  // IPAM in-process, as the installed binary runs it: a Node start in the guest costs seconds.
  ours = await tsPlugin('dummy', { ipam: 'in-process' });
}, 600_000);
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function conf(ipam: Record<string, unknown> = {}) {
  const dir = dataDir('dummy');
  dirs.push(dir);
  return { cniVersion: '1.0.0', name: 'dnet', type: 'dummy', ipam: { type: 'host-local', dataDir: dir, subnet: '10.89.0.0/24', ...ipam } };
}
const reserved = (c: ReturnType<typeof conf>) => ipamFiles(c.ipam.dataDir, 'dnet').filter((f) => f.startsWith('10.'));

// UML runs every syscall through ptrace: a plugin start takes seconds.
describe('dummy (UML)', { timeout: 300_000 }, () => {
  it('ADD (address, route, IPAM dns kept), CHECK, CHECK of a downed link, DEL twice', () => {
    const env = testEnv();
    const c = conf({ routes: [{ dst: '10.97.0.0/16' }], resolvConf: undefined });
    const call = (command: string, cf: unknown) => cni(ours, env.host.name, { command, netns: env.container.path }, cf);
    const add = call('ADD', c);
    expect(add.code, add.stdout + add.stderr).toBe(0);
    const eth0 = link(env.container.name, 'eth0')!;
    expect(add.json).toEqual({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0', mac: eth0.address, sandbox: env.container.path }],
      ips: [{ interface: 0, address: '10.89.0.2/24', gateway: '10.89.0.1' }],
      routes: [{ dst: '10.97.0.0/16' }],
    });
    expect(eth0.linkinfo?.info_kind).toBe('dummy');
    expect(eth0.flags).toContain('UP');
    expect(addrs(env.container.name, 'eth0').map((a) => `${a.local}/${a.prefixlen}`)).toContain('10.89.0.2/24');
    expect(routes(env.container.name)).toContainEqual(expect.objectContaining({ dst: '10.97.0.0/16', gateway: '10.89.0.1', dev: 'eth0' }));
    expect(call('CHECK', { ...c, prevResult: add.json }).code).toBe(0);
    must('ip', ['-n', env.container.name, 'link', 'set', 'eth0', 'down']);
    expect(call('CHECK', { ...c, prevResult: add.json }).json).toEqual({ code: 999, msg: 'Interface eth0 is down' });
    expect(call('DEL', c).code).toBe(0);
    expect(links(env.container.name).map((l) => l.ifname)).toEqual(['lo']);
    expect(reserved(c)).toEqual([]);
    expect(call('DEL', c).code).toBe(0);
  });

  it('a failure after IPAM (a route that cannot be added) removes the link and releases the address', () => {
    const env = testEnv();
    const c = conf({ routes: [{ dst: '10.97.0.0/16', gw: '10.89.0.254' }, { dst: '10.97.0.0/16', gw: '10.89.0.254' }] });
    const r = cni(ours, env.host.name, { command: 'ADD', netns: env.container.path }, c);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(/file exists$/) });
    expect(links(env.container.name).map((l) => l.ifname)).toEqual(['lo']);
    expect(reserved(c)).toEqual([]);
  });
});
