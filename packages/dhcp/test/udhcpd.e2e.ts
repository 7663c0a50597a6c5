// dhcp against busybox udhcpd: a real 20 s lease, renewed twice while the test watches the
// server's lease table; option 121 routes; host-name; RELEASE on DEL.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLeaks, requireRoot } from '@cni-ts/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cni, type Daemon, Lan, makeBinDir, netConf, sleep, startDaemon, startUdhcpd, stopUdhcpd, type Udhcpd, udhcpdLeases, until } from './harness';

requireRoot('dhcp udhcpd e2e');
checkLeaks();

let lan: Lan;
let server: Udhcpd;
let bin: string;
let state: string;
let daemon: Daemon;

beforeAll(async () => {
  lan = new Lan('10.78.0');
  bin = await makeBinDir();
  state = mkdtempSync(join(tmpdir(), 'cnits-dhcp-state-'));
  server = await startUdhcpd(lan, 20);
  daemon = await startDaemon('ts', bin, join(bin, 'dhcp.sock'), ['-statedir', state, '-timeout', '2s', '-resendtimeout', '20s']);
});

afterAll(async () => {
  await daemon?.stop();
  if (server) await stopUdhcpd(server);
  lan?.destroy();
  rmSync(bin, { recursive: true, force: true });
  rmSync(state, { recursive: true, force: true });
});

describe('dhcp with udhcpd', () => {
  it('a 20 s lease: address, routes (121), host-name; two renewals seen by the server; RELEASE on DEL', async () => {
    const pod = lan.addPod();
    const conf = netConf(daemon.socket, { request: [{ option: '121' }], provide: [{ option: 'host-name', fromArg: 'K8S_POD_NAME' }] });
    const call = { containerId: 'ctr-udhcpd', netns: pod.path, args: 'K8S_POD_NAME=busy-1;IgnoreUnknown=1' };
    const add = await cni('ts', bin, 'ADD', call, conf);
    expect(add.code, add.stdout + add.stderr).toBe(0);
    const r = add.json as { ips: { address: string; gateway: string }[]; routes: unknown[] };
    expect(r.ips[0]!.address).toMatch(/^10\.78\.0\.\d+\/24$/);
    expect(r.ips[0]!.gateway).toBe('10.78.0.1');
    expect(r.routes).toEqual([
      { dst: '10.98.0.0/16', gw: '10.78.0.1' },
      { dst: '0.0.0.0/0', gw: '10.78.0.1' },
    ]);
    lan.configure(pod, r.ips[0]!.address);
    const ip = r.ips[0]!.address.split('/')[0]!;
    const first = await until('the lease in udhcpd table', () => udhcpdLeases(server).find((l) => l.ip === ip), 5_000, 100);
    expect(first.hostname).toBe('busy-1');
    expect(first.mac).toBe(pod.mac);

    // T1 is 10 s: the time left must jump back up (a renewal) twice, and never run out.
    let renewals = 0;
    let last = first.expiresIn;
    await until('two renewals of the 20 s lease', () => {
      const l = udhcpdLeases(server).find((x) => x.ip === ip);
      if (!l) return false;
      expect(l.expiresIn).toBeGreaterThan(0);
      if (l.expiresIn > last + 3) renewals++;
      last = l.expiresIn;
      return renewals >= 2;
    }, 30_000, 100);

    expect((await cni('ts', bin, 'DEL', call, conf)).code).toBe(0);
    await until('udhcpd to see the RELEASE', () => {
      const l = udhcpdLeases(server).find((x) => x.ip === ip);
      return !l || l.expiresIn === 0;
    }, 5_000, 100);
    // No renewal after DEL.
    await sleep(1500);
    const after = udhcpdLeases(server).find((x) => x.ip === ip);
    expect(!after || after.expiresIn === 0).toBe(true);
  }, 180_000);
});
