// The whole chain: our macvlan plugin with `ipam: {type: dhcp}` (the network podman writes for
// a macvlan network created without --subnet). macvlan calls our dhcp plugin through CNI_PATH,
// the daemon gets the lease in the pod, macvlan puts the address on the link; the pod then
// reaches the server, and DEL (IPAM first, as upstream) releases the lease.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addrs, checkLeaks, must, ping, requireRoot, run, tsImpl } from '@cni-ts/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Daemon, type Dnsmasq, dnsmasqLeases, Lan, makeBinDir, startDaemon, startDnsmasq, teardown, until } from './harness';

requireRoot('dhcp macvlan e2e');
checkLeaks();

let lan: Lan;
let server: Dnsmasq;
let bin: string;
let state: string;
let daemon: Daemon;

beforeAll(async () => {
  lan = new Lan('10.81.0');
  // macvlan's master: one end of a veth whose other end is on the bridge.
  must('ip', ['-n', lan.lan, 'link', 'add', 'mvparent', 'type', 'veth', 'peer', 'name', 'uplink']);
  must('ip', ['-n', lan.lan, 'link', 'set', 'uplink', 'master', 'br0', 'up']);
  must('ip', ['-n', lan.lan, 'link', 'set', 'mvparent', 'up']);
  bin = await makeBinDir();
  state = mkdtempSync(join(tmpdir(), 'cnits-dhcp-state-'));
  server = await startDnsmasq(lan, { t1: 60, t2: 100 });
  daemon = await startDaemon('ts', bin, join(bin, 'dhcp.sock'), ['-statedir', state, '-timeout', '2s', '-resendtimeout', '20s']);
});

afterAll(() => teardown({ daemons: [daemon], server, lan, dirs: [bin, state] }));

describe('macvlan + dhcp', () => {
  it('ADD configures the leased address and routes in the pod; DEL releases it', async () => {
    const macvlan = await tsImpl('macvlan');
    const pod = lan.addEmptyPod();
    const conf = JSON.stringify({
      cniVersion: '1.0.0',
      name: 'podman-macvlan',
      type: 'macvlan',
      master: 'mvparent',
      ipam: { type: 'dhcp', daemonSocketPath: daemon.socket, request: [{ option: '121' }] },
    });
    const env = ['CNI_CONTAINERID=ctr-macvlan', `CNI_NETNS=${pod.path}`, 'CNI_IFNAME=eth0', `CNI_PATH=${bin}`];
    const add = run('ip', ['netns', 'exec', lan.lan, 'env', 'CNI_COMMAND=ADD', ...env, ...macvlan.argv], conf);
    expect(add.status, add.stdout + add.stderr).toBe(0);
    const result = JSON.parse(add.stdout) as { ips: { address: string; gateway: string }[]; interfaces: { name: string; mac: string }[] };
    const address = result.ips[0]!.address;
    expect(address).toMatch(/^10\.81\.0\.\d+\/24$/);
    expect(addrs(pod.ns, 'eth0').map((a) => `${a.local}/${a.prefixlen}`)).toContain(address);
    const routes = must('ip', ['-n', pod.ns, 'route', 'show']);
    expect(routes).toContain('10.99.0.0/16 via 10.81.0.1 dev eth0');
    expect(routes).toContain('default via 10.81.0.1 dev eth0');
    expect(ping(pod.ns, '10.81.0.1')).toBe(true);
    const ip = address.split('/')[0]!;
    expect(dnsmasqLeases(server).find((l) => l.ip === ip)?.mac).toBe(result.interfaces[0]!.mac);

    const del = run('ip', ['netns', 'exec', lan.lan, 'env', 'CNI_COMMAND=DEL', ...env, ...macvlan.argv], conf);
    expect(del.status, del.stdout + del.stderr).toBe(0);
    await until('the RELEASE', () => !dnsmasqLeases(server).some((l) => l.ip === ip), 5_000, 100);
  }, 180_000);
});
