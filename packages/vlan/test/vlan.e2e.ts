// vlan on this machine's kernel, which has no 8021q: the config errors that need no VLAN link,
// compared with the Go oracle (/usr/lib/cni/vlan, v1.1.1), and a failed create leaving no link
// and no IPAM reservation. The link itself is tested in user-mode-linux (vlan.kernel.ts).
import { checkLeaks, cni, ipamFiles, links, testEnv, type PluginImpl, type TestEnv, underTest } from '@cni-ts/testkit';
import { describe, expect, it } from 'vitest';

checkLeaks(['/var/lib/cni']);

const plugin = underTest('vlan');
const { go } = plugin;

function conf(extra: Record<string, unknown>) {
  const dir = plugin.dir('vlan');
  return { cniVersion: '1.0.0', name: 'vnet', type: 'vlan', master: 'master0', vlanId: 10, ipam: { type: 'host-local', dataDir: dir, subnet: '10.86.0.0/24' }, ...extra };
}
function add(impl: PluginImpl, env: TestEnv, c: ReturnType<typeof conf>) {
  const r = cni(impl, env.host.name, { command: 'ADD', netns: env.container.path }, c);
  // `details` (the field path of a decode error) is ours alone: compare code and msg.
  const { code, msg } = (r.json ?? {}) as { code?: number; msg?: string };
  return { code: r.code, error: { code, msg }, links: links(env.container.name).map((l) => l.ifname), reserved: ipamFiles(c.ipam.dataDir, 'vnet').filter((f) => f.startsWith('10.')) };
}

describe('vlan bad input vs Go oracle (host kernel, no 8021q)', () => {
  it.each([
    ['a missing master link', { master: 'nope0' }],
    ['a VLAN id out of range', { vlanId: 4095 }],
    ['a VLAN id of the wrong type', { vlanId: '10' }],
    ['an MTU above the master', { mtu: 9000 }],
    ['a negative MTU', { mtu: -1 }],
    ['no 8021q in the kernel: the create fails before IPAM', {}],
  ])('%s: same error, no link, no reservation', (_n, extra) => {
    const env = testEnv();
    env.hostLink('master0');
    const g = add(go, env, conf(extra));
    const t = add(plugin.ours, env, conf(extra));
    expect(t).toEqual(g);
    expect(t.code).toBe(1);
    expect(t.links).toEqual(['lo']);
    expect(t.reserved).toEqual([]);
  });

  it('no master: the text of the newest upstream (1.1.1 ends it with a full stop)', () => {
    const env = testEnv();
    const { master: _m, ...c } = conf({});
    const g = cni(go, env.host.name, { command: 'ADD', netns: env.container.path }, c).json as { msg: string };
    const t = cni(plugin.ours, env.host.name, { command: 'ADD', netns: env.container.path }, c).json as { msg: string };
    expect(t).toEqual({ code: 999, msg: '"master" field is required. It specifies the host interface name to create the VLAN for' });
    expect(g.msg).toBe(`${t.msg}.`);
  });
});
