// vrf on this machine's kernel, which has no VRF driver: config and version errors and a failed
// create, compared with the Go oracle (/usr/lib/cni/vrf, v1.1.1); nothing is left behind. The VRF
// itself is tested in user-mode-linux (vrf.kernel.ts).
import { checkLeaks, cni, goPlugin, links, must, testEnv, tsPlugin, type PluginImpl, type TestEnv } from '@cni-ts/testkit';
import { beforeAll, describe, expect, it } from 'vitest';

checkLeaks();

let ours: PluginImpl;
const go = goPlugin('vrf');
beforeAll(async () => {
  ours = await tsPlugin('vrf');
});

const prevResult = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '/x' }], ips: [{ address: '10.85.0.2/24', interface: 0 }] };
const conf = (extra: Record<string, unknown>) => ({ cniVersion: '1.0.0', name: 'vrfnet', type: 'vrf', vrfname: 'blue', prevResult, ...extra });

function run(impl: PluginImpl, env: TestEnv, command: string, c: unknown) {
  const r = cni(impl, env.host.name, { command, netns: env.container.path }, c);
  const { code, msg } = (r.json ?? {}) as { code?: number; msg?: string };
  return { exit: r.code, code, msg, links: links(env.container.name).map((l) => l.ifname).toSorted() };
}

describe('vrf bad input vs Go oracle (host kernel, no vrf)', () => {
  it.each([
    ['no vrfname', { vrfname: undefined }, 'ADD'],
    ['no prevResult', { prevResult: undefined }, 'ADD'],
    ['no prevResult at CHECK', { prevResult: undefined }, 'CHECK'],
    ['a table of the wrong type', { table: '5' }, 'ADD'],
    ['a spec version before 0.3.1', { cniVersion: '0.2.0' }, 'ADD'],
    ['the kernel cannot make the VRF', {}, 'ADD'],
    ['the VRF name is a link that is not a VRF', { vrfname: 'eth0' }, 'ADD'],
  ])('%s: same error, nothing left behind', (_n, extra, command) => {
    const env = testEnv();
    must('ip', ['-n', env.container.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0']);
    const c = conf(extra);
    const g = run(go, env, command, c);
    const t = run(ours, env, command, c);
    expect(t).toEqual(g);
    expect(t.exit).toBe(1);
    expect(t.links).toEqual(['eth0', 'lo', 'peer0']);
  });

  it('DEL without the VRF, the namespace or a netns path succeeds', () => {
    const env = testEnv();
    const c = conf({});
    expect(run(ours, env, 'DEL', c).exit).toBe(0);
    expect(cni(ours, env.host.name, { command: 'DEL', netns: '/run/netns/cnits-gone' }, c).code).toBe(0);
    expect(cni(ours, env.host.name, { command: 'DEL', netns: '' }, c).code).toBe(0);
  });
});
