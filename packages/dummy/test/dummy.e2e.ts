// dummy on this machine's kernel, which has no dummy driver: what must hold before and without
// the link (config errors, a failed create leaving no IPAM reservation). The link itself is
// tested in the user-mode-linux suite (dummy.kernel.ts).
import { checkLeaks, cni, ipamFiles, links, testEnv, underTest } from '@cni-ts/testkit';
import { describe, expect, it } from 'vitest';

checkLeaks(['/var/lib/cni']);

const plugin = underTest('dummy');

const conf = (extra: Record<string, unknown> = {}) => ({ cniVersion: '1.1.0', name: 'dnet', type: 'dummy', ...extra });

describe('dummy (host kernel)', () => {
  it.each([
    ['no ipam', {}, { code: 999, msg: 'dummy interface requires an IPAM configuration' }],
    ['an ipam without type', { ipam: {} }, { code: 999, msg: 'dummy interface requires an IPAM configuration' }],
    [
      'ipam of the wrong type',
      { ipam: 'host-local' },
      { code: 999, msg: 'failed to parse network config: json: cannot unmarshal string into Go struct field NetConf.ipam of type types.IPAM', details: 'ipam' },
    ],
  ])('bad config (%s): the error, and no link', (_n, extra, error) => {
    const env = testEnv();
    for (const command of ['ADD', 'CHECK']) {
      const r = cni(plugin.ours, env.host.name, { command, netns: env.container.path }, conf(extra));
      expect(r.code).toBe(1);
      expect(r.json).toEqual(error);
    }
    expect(links(env.container.name).map((l) => l.ifname)).toEqual(['lo']);
  });

  it('a kernel without dummy: the create fails before IPAM runs, nothing is reserved', () => {
    const env = testEnv();
    const dir = plugin.dir('dummy');
    const c = conf({ ipam: { type: 'host-local', subnet: '10.89.0.0/24', dataDir: dir } });
    const r = cni(plugin.ours, env.host.name, { command: 'ADD', netns: env.container.path }, c);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(/^failed to create dummy: /) });
    expect(links(env.container.name).map((l) => l.ifname)).toEqual(['lo']);
    expect(ipamFiles(dir, 'dnet')).toEqual([]);
    // DEL and STATUS go to IPAM only (STATUS: host-local has nothing to report).
    expect(cni(plugin.ours, env.host.name, { command: 'DEL', netns: env.container.path }, c).code).toBe(0);
    expect(cni(plugin.ours, env.host.name, { command: 'STATUS' }, c).code).toBe(0);
  });
});
