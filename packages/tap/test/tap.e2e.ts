// tap against the real kernel (this machine has /dev/net/tun), in throwaway namespaces. No Go
// oracle exists (tap came in upstream v1.3.0, Debian's is 1.1.1): the expectations are upstream's
// documented behaviour and its tests (plugins/main/tap/tap_test.go), and, for the device's flags,
// what `ip tuntap add` makes (upstream's path when owner or group is missing).
import { addrs, checkLeaks, cni, ipamFiles, link, links, must, routes, testEnv, type TestEnv, underTest } from '@cni-ts/testkit';
import { describe, expect, it } from 'vitest';

checkLeaks(['/var/lib/cni']);

const plugin = underTest('tap');

const conf = (extra: Record<string, unknown> = {}) => ({ cniVersion: '1.1.0', name: 'tnet', type: 'tap', ...extra });
function hostLocal(extra: Record<string, unknown> = {}) {
  const dir = plugin.dir('tap');
  return { type: 'host-local', dataDir: dir, subnet: '10.87.0.0/24', ...extra };
}
const reserved = (c: Record<string, unknown>) => ipamFiles((c.ipam as { dataDir: string }).dataDir, 'tnet').filter((f) => f.startsWith('10.'));
const call = (env: TestEnv, command: string, c: unknown, args = '') =>
  cni(plugin.ours, env.host.name, { command, netns: env.container.path, ...(args && { args }) }, c);
const names = (env: TestEnv) => links(env.container.name).map((l) => l.ifname).toSorted();

describe('tap', () => {
  it('L2: mtu, MAC from CNI_ARGS over the config, multi-queue; the flags ip tuntap gives; CHECK; DEL twice', () => {
    const env = testEnv();
    const c = conf({ mtu: 1400, mac: '02:00:00:00:00:01', multiQueue: true, dns: { nameservers: ['10.87.0.53'] }, ipam: {} });
    const add = call(env, 'ADD', c, 'IgnoreUnknown=1;MAC=02:00:00:00:00:02');
    expect(add.code, add.stdout + add.stderr).toBe(0);
    expect(add.json).toEqual({
      cniVersion: '1.1.0',
      interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:02', sandbox: env.container.path }],
      dns: { nameservers: ['10.87.0.53'] },
    });
    const eth0 = link(env.container.name, 'eth0')!;
    expect(eth0).toMatchObject({ mtu: 1400, address: '02:00:00:00:00:02' });
    expect(eth0.flags).toContain('UP');
    must('ip', ['-n', env.container.name, 'tuntap', 'add', 'mode', 'tap', 'name', 'ref0', 'multi_queue']);
    const { user: _u, group: _g, ...want } = link(env.container.name, 'ref0')!.linkinfo!.info_data!;
    expect(eth0.linkinfo).toEqual({ info_kind: 'tun', info_data: want });
    expect(call(env, 'CHECK', { ...c, prevResult: add.json }).code).toBe(0);
    expect(call(env, 'DEL', c).code).toBe(0);
    expect(names(env)).toEqual(['lo', 'ref0']);
    expect(call(env, 'DEL', c).code).toBe(0);
  });

  it('owner and group: the flags of upstream netlink path (vnet and PI headers), the owner and group set; MAC from runtimeConfig', () => {
    const env = testEnv();
    const c = conf({ owner: 1000, group: 100, runtimeConfig: { mac: '02:00:00:00:00:03' } });
    const add = call(env, 'ADD', c);
    expect(add.code, add.stdout).toBe(0);
    const eth0 = link(env.container.name, 'eth0')!;
    expect(eth0.address).toBe('02:00:00:00:00:03');
    expect(eth0.linkinfo?.info_data).toMatchObject({ type: 'tap', pi: true, vnet_hdr: true, multi_queue: false, persist: true });
    const tunOwner = must('ip', ['netns', 'exec', env.container.name, 'cat', '/sys/class/net/eth0/owner', '/sys/class/net/eth0/group']);
    expect(tunOwner.split('\n').slice(0, 2)).toEqual(['1000', '100']);
  });

  it('L3 on a bridge in the container: the port, addresses, routes; CHECK; DEL releases', () => {
    const env = testEnv();
    must('ip', ['-n', env.container.name, 'link', 'add', 'br0', 'type', 'bridge']);
    const c = conf({ bridge: 'br0', ipam: hostLocal({ routes: [{ dst: '10.97.0.0/16' }] }) });
    const add = call(env, 'ADD', c);
    expect(add.code, add.stdout).toBe(0);
    expect(add.json).toMatchObject({ ips: [{ interface: 0, address: '10.87.0.2/24', gateway: '10.87.0.1' }], routes: [{ dst: '10.97.0.0/16' }] });
    expect(link(env.container.name, 'eth0')?.master).toBe('br0');
    expect(addrs(env.container.name, 'eth0').map((a) => `${a.local}/${a.prefixlen}`)).toContain('10.87.0.2/24');
    expect(routes(env.container.name)).toContainEqual(expect.objectContaining({ dst: '10.97.0.0/16', gateway: '10.87.0.1' }));
    must('ip', ['-n', env.container.name, 'route', 'del', '10.97.0.0/16']);
    expect(call(env, 'CHECK', { ...c, prevResult: add.json }).json).toMatchObject({ code: 999, msg: expect.stringContaining('10.97.0.0/16') });
    expect(call(env, 'DEL', c).code).toBe(0);
    expect(reserved(c)).toEqual([]);
    expect(names(env)).toEqual(['br0', 'lo']);
  });

  it.each([
    ['a bad MAC', { mac: 'zz' }, 'invalid args zz for MAC addr: address zz: invalid MAC address'],
    ['a missing bridge', { bridge: 'nobr0' }, 'failed to get bridge nobr0: Link not found'],
    ['an SELinux context (no SELinux here)', { selinuxContext: 'system_u:system_r:container_t:s0' }, 'failed set socket label: write /proc/thread-self/attr/exec: invalid argument'],
    ['a route that cannot be added (after IPAM)', { ipam: 'dup' }, /file exists$/],
    ['args that are not an object', { args: 'x' }, 'failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.args of type struct {}'],
  ] as [string, Record<string, unknown>, string | RegExp][])('bad input (%s): the error, no link, no reservation', (_n, extra, msg) => {
    const env = testEnv();
    const ipam = hostLocal(extra.ipam === 'dup' ? { routes: [{ dst: '10.97.0.0/16', gw: '10.87.0.254' }, { dst: '10.97.0.0/16', gw: '10.87.0.254' }] } : {});
    const c = conf({ ...extra, ipam });
    const r = call(env, 'ADD', c);
    expect(r.code).toBe(1);
    expect((r.json as { msg: string }).msg).toMatch(msg);
    expect(names(env)).toEqual(['lo']);
    expect(reserved(c)).toEqual([]);
  });
});
