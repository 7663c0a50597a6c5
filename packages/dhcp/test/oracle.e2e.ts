// Differential tests against the Go oracle (/usr/lib/cni/dhcp, plugins 1.1.1): every pairing of
// plugin and daemon (Go/ours) against one dnsmasq gives the same result, and bad input gives
// the same errors; a server that never answers fails within -resendtimeout and leaves nothing.

import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLeaks, requireRoot } from '@cni-ts/testkit';
import { RpcClient } from '../src/rpc';
import { CMD_ARGS_T, cmdArgsToGob } from '../src/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cni,
  daemonLeases,
  type Daemon,
  type Dnsmasq,
  dnsmasqLeases,
  GO_DHCP,
  Lan,
  makeBinDir,
  netConf,
  normalize,
  startDaemon,
  startDnsmasq,
  teardown,
  until,
} from './harness';

requireRoot('dhcp oracle e2e');
checkLeaks();

let lan: Lan;
let server: Dnsmasq;
let bin: string;
let state: string;
let ours: Daemon;
let go: Daemon;

beforeAll(async () => {
  // A test that cannot run is a failure: the oracle must be there.
  if (!existsSync(GO_DHCP)) throw new Error(`${GO_DHCP} missing: install containernetworking-plugins (tools/bootstrap.sh)`);
  lan = new Lan('10.79.0');
  bin = await makeBinDir();
  state = mkdtempSync(join(tmpdir(), 'cnits-dhcp-state-'));
  server = await startDnsmasq(lan, { t1: 60, t2: 100 });
  ours = await startDaemon('ts', bin, join(bin, 'ts.sock'), ['-statedir', state, '-timeout', '2s', '-resendtimeout', '6s']);
  go = await startDaemon('go', bin, join(bin, 'go.sock'));
});

afterAll(() => teardown({ daemons: [ours, go], server, lan, dirs: [bin, state] }));

const IPAM = { request: [{ option: '121' }], provide: [{ option: 'host-name', fromArg: 'K8S_POD_NAME' }] };

describe('wire compatibility with the Go plugin and daemon', () => {
  it('Go plugin -> our daemon and our plugin -> Go daemon give the result Go gives itself', async () => {
    const pod = lan.addPod();
    const call = { containerId: 'ctr-oracle', netns: pod.path, args: 'IgnoreUnknown=1;K8S_POD_NAME=xpod' };
    const results: Record<string, unknown> = {};
    for (const [plugin, daemon] of [
      ['go', 'go'],
      ['ts', 'go'],
      ['go', 'ts'],
      ['ts', 'ts'],
    ] as const) {
      const socket = (daemon === 'go' ? go : ours).socket;
      const conf = netConf(socket, IPAM);
      const add = await cni(plugin, bin, 'ADD', call, conf);
      expect(add.code, `${plugin} plugin -> ${daemon} daemon: ${add.stdout}${add.stderr}`).toBe(0);
      results[`${plugin}->${daemon}`] = normalize(add.json);
      const ip = (add.json as { ips: { address: string }[] }).ips[0]!.address.split('/')[0]!;
      expect(dnsmasqLeases(server).find((l) => l.ip === ip)?.hostname).toBe('xpod');
      const del = await cni(plugin, bin, 'DEL', call, conf);
      expect(del.code, del.stdout).toBe(0);
      await until(`RELEASE from ${daemon} daemon`, () => !dnsmasqLeases(server).some((l) => l.ip === ip), 5_000, 100);
    }
    const baseline = results['go->go'];
    expect(baseline).toMatchObject({ ips: [{ gateway: '10.79.0.1' }], routes: [{ dst: '10.99.0.0/16', gw: '10.79.0.1' }, { dst: '0.0.0.0/0', gw: '10.79.0.1' }] });
    expect(results['ts->go']).toEqual(baseline);
    expect(results['go->ts']).toEqual(baseline);
    expect(results['ts->ts']).toEqual(baseline);
  }, 180_000);

  it('bad input: the same error (code and text) from both, and no lease left', async () => {
    const pod = lan.addPod();
    const cases: [string, Record<string, unknown>, string?][] = [
      ['unknown option name', { request: [{ option: 'bogus' }] }],
      ['unknown provided option', { provide: [{ option: 'hostname', value: 'x' }] }],
      ['option code out of range', { request: [{ option: '300' }] }],
      ['value over 255 bytes', { provide: [{ option: 'host-name', value: 'v'.repeat(256) }] }],
      ['missing netns', {}, '/run/netns/cnits-no-such-netns'],
    ];
    for (const [what, ipam, netns] of cases) {
      const outs = [];
      for (const d of [go, ours]) {
        for (const plugin of ['go', 'ts'] as const) {
          const r = await cni(plugin, bin, 'ADD', { containerId: 'ctr-bad', netns: netns ?? pod.path }, netConf(d.socket, ipam));
          outs.push({ code: r.code, json: r.json, who: `${plugin}->${d === go ? 'go' : 'ts'}` });
        }
      }
      const [first, ...rest] = outs;
      expect(first!.code, what).toBe(1);
      expect((first!.json as { code: number }).code, what).toBe(999);
      for (const o of rest) expect({ what, who: o.who, json: o.json }).toEqual({ what, who: o.who, json: first!.json });
    }
    expect(await daemonLeases(bin, ours.socket)).toEqual([]);
  }, 180_000);

  it('daemon down: ADD and DEL fail with the dial error, as Go does', async () => {
    const conf = netConf(join(bin, 'absent.sock'));
    for (const cmd of ['ADD', 'DEL']) {
      const g = await cni('go', bin, cmd, { containerId: 'c1', netns: '/run/netns/x' }, conf);
      const t = await cni('ts', bin, cmd, { containerId: 'c1', netns: '/run/netns/x' }, conf);
      expect(t.json).toEqual(g.json);
      expect(t.json).toEqual({ code: 999, msg: `error dialing DHCP daemon: dial unix ${join(bin, 'absent.sock')}: connect: no such file or directory` });
    }
    // GC through our plugin to the Go daemon (which has no GC): nothing to collect, success.
    const gc = await cni('ts', bin, 'GC', { containerId: '' }, { ...netConf(go.socket, {}, '1.1.0'), 'cni.dev/valid-attachments': [] });
    expect(gc.code, gc.stdout).toBe(0);
    const status = await cni('ts', bin, 'STATUS', { containerId: '' }, netConf(join(bin, 'absent.sock'), {}, '1.1.0'));
    expect((status.json as { code: number }).code).toBe(50);
    expect((await cni('ts', bin, 'STATUS', { containerId: '' }, netConf(ours.socket, {}, '1.1.0'))).code).toBe(0);
  }, 180_000);

  it('a server that never answers: "no more tries" within -resendtimeout, nothing left renewing', async () => {
    const quiet = new Lan('10.80.0'); // no DHCP server on this one
    try {
      const pod = quiet.addPod();
      const r = await cni('ts', bin, 'ADD', { containerId: 'ctr-quiet', netns: pod.path }, netConf(ours.socket));
      expect(r.json).toEqual({ code: 999, msg: 'error calling DHCP.Allocate: no more tries' });
      // The daemon's side, timed without a process start: within -resendtimeout (6 s).
      const c = await RpcClient.dial(ours.socket);
      const start = Date.now();
      const args = { containerId: 'ctr-quiet-2', netns: pod.path, ifname: 'eth0', args: '', path: '', netnsOverride: '', stdin: Buffer.from(JSON.stringify(netConf(ours.socket))) };
      await expect(c.call('DHCP.Allocate', CMD_ARGS_T, cmdArgsToGob(args))).rejects.toThrow('no more tries');
      c.close();
      expect(Date.now() - start).toBeLessThanOrEqual(6_000 + 1_000);
      expect(await daemonLeases(bin, ours.socket)).toEqual([]);
    } finally {
      quiet.destroy();
    }
  }, 180_000);
});
