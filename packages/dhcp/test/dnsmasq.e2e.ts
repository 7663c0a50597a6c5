// dhcp against dnsmasq over a bridge: ADD, option 121 routes, host-name, renewals watched in
// the server's lease table, RELEASE on DEL, a daemon restart that keeps renewing.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLeaks, requireRoot } from '@cni-ts/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cni,
  daemonLeases,
  type Daemon,
  type Dnsmasq,
  dnsmasqLeases,
  Lan,
  makeBinDir,
  netConf,
  startDaemon,
  startDnsmasq,
  teardown,
  until,
} from './harness';

requireRoot('dhcp e2e');
checkLeaks();

let lan: Lan;
let server: Dnsmasq;
let bin: string;
let state: string;
let daemon: Daemon;
const socket = () => join(bin, 'dhcp.sock');

beforeAll(async () => {
  lan = new Lan('10.77.0');
  bin = await makeBinDir();
  state = mkdtempSync(join(tmpdir(), 'cnits-dhcp-state-'));
  server = await startDnsmasq(lan, { t1: 4, t2: 7 });
  daemon = await startDaemon('ts', bin, socket(), ['-statedir', state, '-timeout', '2s', '-resendtimeout', '20s']);
});

afterAll(() => teardown({ daemons: [daemon], server, lan, dirs: [bin, state] }));

describe('dhcp with dnsmasq', () => {
  it('ADD: address, gateway, option 121 routes, host-name in the lease table; renewed; RELEASE on DEL', async () => {
    const pod = lan.addPod();
    const conf = netConf(socket(), {
      request: [{ option: '121' }],
      provide: [{ option: 'host-name', fromArg: 'K8S_POD_NAME' }],
      priority: 50,
    });
    const call = { containerId: 'ctr-dnsmasq-1', netns: pod.path, args: 'IgnoreUnknown=1;K8S_POD_NAME=web-0' };
    const add = await cni('ts', bin, 'ADD', call, conf);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const r = add.json as { ips: { address: string; gateway: string }[]; routes: unknown[] };
    expect(r.ips).toHaveLength(1);
    expect(r.ips[0]!.address).toMatch(/^10\.77\.0\.(\d+)\/24$/);
    expect(r.ips[0]!.gateway).toBe('10.77.0.1');
    expect(r.routes).toEqual([
      { dst: '10.99.0.0/16', gw: '10.77.0.1', priority: 50 },
      { dst: '0.0.0.0/0', gw: '10.77.0.1', priority: 50 },
    ]);
    lan.configure(pod, r.ips[0]!.address);
    const ip = r.ips[0]!.address.split('/')[0]!;
    const lease = dnsmasqLeases(server).find((l) => l.ip === ip);
    expect(lease?.hostname).toBe('web-0');
    expect(lease?.mac).toBe(pod.mac);
    expect(lease?.clientId).toBe(`00:${Buffer.from('ctr-dnsmasq-1/dhcpnet/eth0').toString('hex').match(/../g)!.join(':')}`);

    // T1 = 4 s: watch the server's expiry move forward twice.
    const seen = new Set<number>([lease!.expiry]);
    await until('two renewals in dnsmasq lease table', () => {
      const l = dnsmasqLeases(server).find((x) => x.ip === ip);
      if (l) seen.add(l.expiry);
      return seen.size >= 3;
    }, 15_000, 100);
    const status = await daemonLeases(bin, socket());
    expect(status.find((s) => s.clientId === 'ctr-dnsmasq-1/dhcpnet/eth0')).toMatchObject({ address: ip, state: 'bound' });

    // CHECK and a repeated ADD reuse the lease.
    expect((await cni('ts', bin, 'CHECK', call, conf)).code).toBe(0);
    const again = await cni('ts', bin, 'ADD', call, conf);
    expect((again.json as typeof r).ips[0]!.address).toBe(r.ips[0]!.address);

    // DEL: dnsmasq logs the RELEASE and drops the lease.
    const del = await cni('ts', bin, 'DEL', call, conf);
    expect(del.code).toBe(0);
    await until('DHCPRELEASE at dnsmasq', () => server.proc.output.includes(`DHCPRELEASE(s0) ${ip} ${pod.mac}`), 5_000, 100);
    await until('lease gone from dnsmasq', () => !dnsmasqLeases(server).some((l) => l.ip === ip), 5_000, 100);
    expect(await daemonLeases(bin, socket())).toEqual([]);
    // DEL again: nothing to release, still success.
    expect((await cni('ts', bin, 'DEL', call, conf)).code).toBe(0);
  }, 180_000);

  it('a restarted daemon re-adopts the lease, keeps renewing it, and DEL still releases it', async () => {
    const pod = lan.addPod();
    const conf = netConf(socket());
    const call = { containerId: 'ctr-dnsmasq-2', netns: pod.path };
    const add = await cni('ts', bin, 'ADD', call, conf);
    expect(add.code).toBe(0);
    const address = (add.json as { ips: { address: string }[] }).ips[0]!.address;
    lan.configure(pod, address);
    const ip = address.split('/')[0]!;
    expect(await daemon.stop('SIGTERM')).toBe(0);
    daemon = await startDaemon('ts', bin, socket(), ['-statedir', state, '-timeout', '2s', '-resendtimeout', '20s']);
    expect(daemon.proc.output).toContain('re-adopting lease of');
    const first = dnsmasqLeases(server).find((l) => l.ip === ip)!.expiry;
    const seen = new Set([first]);
    await until('renewals after the restart', () => {
      const l = dnsmasqLeases(server).find((x) => x.ip === ip);
      if (l) seen.add(l.expiry);
      return seen.size >= 3;
    }, 15_000, 100);
    expect((await cni('ts', bin, 'DEL', call, conf)).code).toBe(0);
    await until('DHCPRELEASE after the restart', () => server.proc.output.includes(`DHCPRELEASE(s0) ${ip} ${pod.mac}`), 5_000, 100);
  }, 180_000);

  it('a lease whose namespace is gone is dropped, not renewed forever', async () => {
    const pod = lan.addPod();
    const conf = netConf(socket());
    const add = await cni('ts', bin, 'ADD', { containerId: 'ctr-dnsmasq-3', netns: pod.path }, conf);
    expect(add.code).toBe(0);
    lan.configure(pod, (add.json as { ips: { address: string }[] }).ips[0]!.address);
    const { deleteNetns } = await import('@cni-ts/testkit');
    deleteNetns(pod.ns);
    await until('the lease to be dropped', () => daemon.proc.output.includes('ctr-dnsmasq-3/dhcpnet/eth0: namespace'), 12_000, 100);
    expect((await daemonLeases(bin, socket())).some((l) => l.clientId.startsWith('ctr-dnsmasq-3/'))).toBe(false);
  }, 180_000);

  it('three pods at once: three leases, each on its own packet socket', async () => {
    const pods = [lan.addPod(), lan.addPod(), lan.addPod()];
    const conf = netConf(socket());
    const adds = await Promise.all(pods.map((p, i) => cni('ts', bin, 'ADD', { containerId: `ctr-many-${i}`, netns: p.path }, conf)));
    const addrs = adds.map((a) => (a.json as { ips: { address: string }[] }).ips[0]!.address);
    expect(adds.map((a) => a.code)).toEqual([0, 0, 0]);
    expect(new Set(addrs).size).toBe(3);
    const leases = dnsmasqLeases(server);
    for (const [i, p] of pods.entries()) expect(leases.find((l) => l.ip === addrs[i]!.split('/')[0])?.mac).toBe(p.mac);
    await Promise.all(pods.map((p, i) => cni('ts', bin, 'DEL', { containerId: `ctr-many-${i}`, netns: p.path }, conf)));
    await until('all three released', () => addrs.every((a) => !dnsmasqLeases(server).some((l) => l.ip === a.split('/')[0])), 5_000, 100);
  }, 180_000);

  it('GC (spec 1.1) releases the leases of attachments the runtime no longer lists', async () => {
    const [a, b] = [lan.addPod(), lan.addPod()];
    const conf = netConf(socket(), {}, '1.1.0');
    const ips: string[] = [];
    for (const [i, p] of [a, b].entries()) {
      const add = await cni('ts', bin, 'ADD', { containerId: `ctr-gc-${i}`, netns: p.path }, conf);
      expect(add.code, add.stdout).toBe(0);
      ips.push((add.json as { ips: { address: string }[] }).ips[0]!.address.split('/')[0]!);
    }
    const gc = await cni('ts', bin, 'GC', { containerId: '' }, { ...conf, 'cni.dev/valid-attachments': [{ containerID: 'ctr-gc-0', ifname: 'eth0' }] });
    expect(gc.code, gc.stdout).toBe(0);
    await until('the stale lease released', () => server.proc.output.includes(`DHCPRELEASE(s0) ${ips[1]} ${b.mac}`), 5_000, 100);
    expect(dnsmasqLeases(server).some((l) => l.ip === ips[0])).toBe(true);
    expect((await cni('ts', bin, 'DEL', { containerId: 'ctr-gc-0', netns: a.path }, conf)).code).toBe(0);
  }, 180_000);
});
