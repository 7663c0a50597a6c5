// Traffic control against the real kernel and the Go oracle: qdiscs, filters and IFB links made
// with this library in throwaway namespaces, compared with what `tc` reads back and with what
// the Go bandwidth plugin (/usr/lib/cni/bandwidth) builds for the same config.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { callInNetns, checkLeaks, execIn, ipJson, testEnv, type IpLink, type TestNetns } from '@cni-ts/testkit';
import {
  NetlinkError,
  bandwidthTbf,
  isExist,
  isNotFound,
  openHandle,
  openNetns,
  pschedClock,
  type NetlinkHandle,
} from '../src/index';

const GO_BANDWIDTH = '/usr/lib/cni/bandwidth';
const goBandwidth = { name: 'go', argv: [GO_BANDWIDTH] };

/** A veth `host` (in env.host) <-> `peer` (in `ctr`), both up. */
function veth(h: NetlinkHandle, ctr: TestNetns, host: string, peer: string): void {
  const ns = openNetns(ctr.path);
  try {
    h.linkAdd({ kind: 'veth', name: host, up: true, peer: { name: peer, netns: ns } });
  } finally {
    ns.close();
  }
  const c = openHandle(ctr.path);
  try {
    c.linkSetUp(peer);
  } finally {
    c.close();
  }
}

const tcJson = (ns: string, ...args: string[]): Record<string, unknown>[] => JSON.parse(execIn(ns, 'tc', ['-j', ...args]) || '[]');
const ifbName = (net: string, containerId: string) =>
  `bwp${createHash('sha512').update(net + containerId).digest('hex').slice(0, 12)}`;

interface Limits {
  ingressRate: number;
  ingressBurst: number;
  egressRate: number;
  egressBurst: number;
}

/** What the bandwidth plugin does on ADD, step by step as the Go plugin, with this library. */
function ourBandwidth(h: NetlinkHandle, hostVeth: string, ifb: string, l: Limits): void {
  const clock = pschedClock();
  const host = h.linkByName(hostVeth);
  const ingress = bandwidthTbf(l.ingressRate, l.ingressBurst, clock);
  h.qdiscAdd({ kind: 'tbf', link: host.index, handle: '1:', parent: 'root', rate: ingress.rate, buffer: ingress.buffer, limit: ingress.limit });
  h.linkAdd({ kind: 'ifb', name: ifb, mtu: host.mtu, txqlen: 0, up: true });
  const dev = h.linkByName(ifb).index;
  h.qdiscAdd({ kind: 'ingress', link: host.index });
  h.filterAdd({
    kind: 'u32',
    link: host.index,
    parent: 'ffff:',
    priority: 1,
    protocol: 'all',
    classid: '1:1',
    // the Go plugin's filter carries two mirred actions (vishvananda prepends one for RedirIndex)
    actions: [
      { kind: 'mirred', dev },
      { kind: 'mirred', dev, control: 'pass' },
    ],
  });
  const egress = bandwidthTbf(l.egressRate, l.egressBurst, clock);
  h.qdiscAdd({ kind: 'tbf', link: dev, handle: '1:', parent: 'root', rate: egress.rate, buffer: egress.buffer, limit: egress.limit });
}

/** tc's JSON without per-action timestamps and counters: they differ between two runs; nothing else may. */
const strip = (entries: Record<string, unknown>[]) =>
  entries.map((e) => {
    const json = JSON.stringify(e, (k, v) => (['installed', 'last_used', 'first_used', 'stats', 'expires'].includes(k) ? undefined : v));
    return JSON.parse(json) as unknown;
  });

/** The kernel state the two implementations are compared on, as tc and ip print it. */
function state(ns: string, hostVeth: string, ifb: string) {
  const l = ipJson<IpLink>(ns, 'link', 'show', ifb)[0]!;
  return {
    qdiscs: strip(tcJson(ns, '-d', 'qdisc', 'show')),
    filters: strip(tcJson(ns, '-d', 'filter', 'show', 'dev', hostVeth, 'ingress')),
    ifb: { mtu: l.mtu, txqlen: l.txqlen, flags: l.flags, kind: l.linkinfo?.info_kind, operstate: l.operstate },
  };
}

describe('traffic control', () => {
  checkLeaks();

  it('fails loudly without the Go oracle', () => {
    expect(existsSync(GO_BANDWIDTH), `${GO_BANDWIDTH} is missing: install containernetworking-plugins`).toBe(true);
  });

  it('adds, lists, replaces, changes and deletes qdiscs; errors carry errno, op, object and extack', () => {
    const env = testEnv();
    const h = openHandle(env.host.path);
    try {
      veth(h, env.container, 'tq0', 'tq1');
      const clock = pschedClock();
      expect(clock.tickInUsec).toBeGreaterThan(0);
      const t = bandwidthTbf(8_000_000, 800_000, clock);
      h.qdiscAdd({ kind: 'tbf', link: 'tq0', handle: '1:', rate: t.rate, buffer: t.buffer, limit: t.limit });
      const [shown] = tcJson(env.host.name, 'qdisc', 'show', 'dev', 'tq0');
      expect(shown).toMatchObject({ kind: 'tbf', handle: '1:', root: true, options: { rate: 1_000_000, burst: 100_000, lat: 25_000 } });

      const q = h.qdiscList('tq0');
      expect(q).toHaveLength(1);
      expect(q[0]).toMatchObject({ kind: 'tbf', handle: 0x10000, root: true, data: { rate: t.rate, limit: t.limit, buffer: t.buffer } });
      expect(h.qdiscList().some((x) => x.kind === 'noqueue' && x.index === 1)).toBe(true); // lo

      const err = (() => {
        try {
          h.qdiscAdd({ kind: 'tbf', link: 'tq0', handle: '1:', rate: t.rate, buffer: t.buffer, limit: t.limit });
        } catch (e) {
          return e;
        }
      })() as NetlinkError;
      expect(err).toBeInstanceOf(NetlinkError);
      expect(isExist(err)).toBe(true);
      expect(err).toMatchObject({ errno: 17, op: 'adding qdisc', object: 'tbf 1: dev "tq0"' });
      expect(err.extack).toMatch(/exclusivity flag on/i);
      expect(err.message).toMatch(/^EEXIST adding qdisc tbf 1: dev "tq0": file exists: /);

      // replace: a new rate; change: the same qdisc, a new limit
      const t2 = bandwidthTbf(16_000_000, 800_000, clock);
      h.qdiscReplace({ kind: 'tbf', link: 'tq0', handle: '1:', rate: t2.rate, buffer: t2.buffer, limit: t2.limit });
      expect(h.qdiscList('tq0')[0]!.data).toMatchObject({ rate: 2_000_000 });
      h.qdiscChange({ kind: 'tbf', link: 'tq0', handle: '1:', rate: t2.rate, buffer: t2.buffer, limit: 99_999 });
      expect(tcJson(env.host.name, 'qdisc', 'show', 'dev', 'tq0')[0]).toMatchObject({ options: { rate: 2_000_000 } });
      expect(h.qdiscList('tq0')[0]!.data).toMatchObject({ limit: 99_999 });

      // a rate above 2^32-1 bytes/s travels in TCA_TBF_RATE64 and comes back exact
      const fast = bandwidthTbf(100_000_000_000, 80_000_000, clock);
      h.qdiscReplace({ kind: 'tbf', link: 'tq0', handle: '1:', rate: fast.rate, buffer: fast.buffer, limit: fast.limit });
      expect(h.qdiscList('tq0')[0]!.data).toMatchObject({ rate: 12_500_000_000 });
      expect(tcJson(env.host.name, 'qdisc', 'show', 'dev', 'tq0')[0]).toMatchObject({ options: { rate: 12_500_000_000 } });

      h.qdiscAdd({ kind: 'ingress', link: 'tq0' });
      expect(h.qdiscList('tq0').find((x) => x.kind === 'ingress')).toMatchObject({ handle: 0xffff0000, ingress: true });
      h.qdiscDel({ link: 'tq0', parent: 'ingress' });
      // clsact and its egress hook (ffff:fff3), as `tc filter add dev tq0 egress ...`
      h.qdiscAdd({ kind: 'clsact', link: 'tq0' });
      h.filterAdd({ kind: 'u32', link: 'tq0', parent: 'egress', priority: 5, protocol: 'ip', classid: '1:5' });
      expect(tcJson(env.host.name, 'filter', 'show', 'dev', 'tq0', 'egress').at(-1)).toMatchObject({ protocol: 'ip', pref: 5, options: { flowid: '1:5' } });
      expect(h.filterList('tq0', 'egress').map((f) => f.protocolName)).toEqual(['ip', 'ip', 'ip']);
      expect(h.filterList('tq0', 'ingress')).toEqual([]);
      h.qdiscDel({ link: 'tq0', parent: 'clsact' });
      h.qdiscDel({ link: 'tq0' });
      expect(h.qdiscList('tq0').map((x) => x.kind)).toEqual(['noqueue']);
      const gone = (() => {
        try {
          h.qdiscDel({ link: 'tq0' });
        } catch (e) {
          return e;
        }
      })() as NetlinkError;
      expect(isNotFound(gone)).toBe(true);
      expect(gone.extack).toBe('Cannot delete qdisc with handle of zero');
      expect(() => h.qdiscAdd({ kind: 'ingress', link: 'nope0' })).toThrow('Link not found');
    } finally {
      h.close();
    }
  });

  it('creates an IFB, redirects a link`s ingress to it with u32 + mirred, lists and deletes the filter', () => {
    const env = testEnv();
    const h = openHandle(env.host.path);
    try {
      veth(h, env.container, 'tf0', 'tf1');
      h.linkAdd({ kind: 'ifb', name: 'tfifb', mtu: 1400, txqlen: 0, up: true });
      const ifb = h.linkByName('tfifb');
      expect(ifb).toMatchObject({ kind: 'ifb', mtu: 1400, txqlen: 0, up: true });
      h.qdiscAdd({ kind: 'ingress', link: 'tf0' });
      h.filterAdd({ kind: 'u32', link: 'tf0', parent: 'ffff:', priority: 1, classid: '1:1', actions: [{ kind: 'mirred', dev: 'tfifb' }] });
      const shown = tcJson(env.host.name, 'filter', 'show', 'dev', 'tf0', 'ingress');
      expect(shown.at(-1)).toMatchObject({
        protocol: 'all',
        pref: 1,
        kind: 'u32',
        options: { fh: '800::800', flowid: '1:1', actions: [{ kind: 'mirred', mirred_action: 'redirect', direction: 'egress', to_dev: 'tfifb', control_action: { type: 'stolen' } }] },
      });
      const filters = h.filterList('tf0', 'ingress');
      expect(filters.map((f) => f.handle)).toEqual([0, 0x80000000, 0x80000800]);
      expect(filters[2]).toMatchObject({ priority: 1, protocolName: 'all', data: { classid: 0x10001, actions: [{ kind: 'mirred', data: { ifindex: ifb.index } }] } });
      expect(h.filterList('tf0', 'ffff:')).toHaveLength(3);

      // traffic into tf0 now leaves through the IFB
      const c = openHandle(env.container.path);
      try {
        c.addrAdd('tf1', '10.66.7.2/24');
        h.addrAdd('tf0', '10.66.7.1/24');
      } finally {
        c.close();
      }
      execIn(env.container.name, 'ping', ['-c', '2', '-i', '0.2', '-W', '1', '10.66.7.1']);
      expect(h.linkByName('tfifb').stats!.txPackets).toBeGreaterThanOrEqual(2);

      expect(() => h.filterAdd({ kind: 'u32', link: 'tf0', parent: 'ffff:', priority: 1, handle: 0x80000800, actions: [{ kind: 'mirred', dev: 'tfifb' }] })).toThrow(
        /^EEXIST adding filter u32 parent ffff: dev "tf0"/,
      );
      h.filterDel({ link: 'tf0', parent: 'ffff:', priority: 1 });
      expect(h.filterList('tf0', 'ingress')).toEqual([]);
      expect(() => h.filterAdd({ kind: 'u32', link: 'tf0', parent: '7:', actions: [] })).toThrow(/^EINVAL|^ENOENT/);
      h.linkDel('tfifb');
    } finally {
      h.close();
    }
  });

  it('builds exactly what the Go bandwidth plugin builds; Go CHECK accepts ours, sees a changed rate, and DEL removes it', () => {
    const net = 'bwnet';
    const containerId = 'ctr-bw-1';
    const limits: Limits = { ingressRate: 8_000_000, ingressBurst: 800_000, egressRate: 16_000_000, egressBurst: 1_600_000 };
    const ifb = ifbName(net, containerId);
    const env = testEnv();
    const goHost = env.host;
    const ourHost = env.extra('ourhost');
    const ourCtr = env.extra('ourctr');
    const hGo = openHandle(goHost.path);
    const hOurs = openHandle(ourHost.path);
    try {
      veth(hGo, env.container, 'vbw0', 'eth0');
      veth(hOurs, ourCtr, 'vbw0', 'eth0');
      const conf = (ctr: TestNetns, mac: string) => ({
        cniVersion: '0.4.0',
        name: net,
        type: 'bandwidth',
        ...limits,
        prevResult: {
          cniVersion: '0.4.0',
          interfaces: [{ name: 'vbw0', mac }, { name: 'eth0', sandbox: ctr.path }],
          ips: [{ version: '4', interface: 1, address: '10.66.8.2/24' }],
        },
      });
      const call = (host: TestNetns, ctr: TestNetns, command: string, stdin: unknown) =>
        callInNetns(goBandwidth, host, { command, netns: ctr.path, containerId, ifname: 'eth0' }, stdin);

      const add = call(goHost, env.container, 'ADD', conf(env.container, hGo.linkByName('vbw0').mac!));
      expect(add.stderr).toBe('');
      expect(add.code).toBe(0);
      expect((add.json!.interfaces as { name: string }[]).map((i) => i.name)).toEqual(['vbw0', 'eth0', ifb]);

      ourBandwidth(hOurs, 'vbw0', ifb, limits);
      const theirs = state(goHost.name, 'vbw0', ifb);
      const ours = state(ourHost.name, 'vbw0', ifb);
      expect(ours).toEqual(theirs);
      // and the numbers are the ones the reference names (sanity of the comparison itself)
      expect(theirs.qdiscs).toContainEqual(expect.objectContaining({ kind: 'tbf', dev: ifb, options: expect.objectContaining({ rate: 2_000_000, burst: '200000b/1', lat: 25_000 }) }));
      const node = theirs.filters.at(-1) as { options: { flowid: string; actions: unknown[] } };
      expect(node.options.flowid).toBe('1:1');
      expect(node.options.actions).toHaveLength(2);
      expect(hGo.linkByName(ifb)).toMatchObject({ mtu: 1500, txqlen: 0, kind: 'ifb', up: true });
      expect(hOurs.linkByName(ifb)).toMatchObject({ mtu: 1500, txqlen: 0, kind: 'ifb', up: true });

      // Go's own CHECK reads our qdiscs and agrees; a changed rate is "Rate doesn't match"
      const ourConf = conf(ourCtr, hOurs.linkByName('vbw0').mac!);
      const ourResult = { ...ourConf.prevResult, interfaces: [...ourConf.prevResult.interfaces, { name: ifb, mac: hOurs.linkByName(ifb).mac! }] };
      const check = call(ourHost, ourCtr, 'CHECK', { ...ourConf, prevResult: ourResult });
      expect(check.stdout + check.stderr).toBe('');
      expect(check.code).toBe(0);
      const slower = bandwidthTbf(limits.egressRate / 2, limits.egressBurst, pschedClock());
      hOurs.qdiscReplace({ kind: 'tbf', link: ifb, handle: '1:', rate: slower.rate, buffer: slower.buffer, limit: slower.limit });
      const bad = call(ourHost, ourCtr, 'CHECK', { ...ourConf, prevResult: ourResult });
      expect(bad.code).not.toBe(0);
      expect(bad.stdout).toContain("Rate doesn't match");

      // Go's DEL deletes our IFB (the veth's own qdiscs go with the veth)
      expect(call(ourHost, ourCtr, 'DEL', ourConf).code).toBe(0);
      expect(hOurs.findLink(ifb)).toBeUndefined();
      expect(call(goHost, env.container, 'DEL', conf(env.container, '')).code).toBe(0);
      expect(hGo.findLink(ifb)).toBeUndefined();
    } finally {
      hGo.close();
      hOurs.close();
    }
  });

  it('bandwidthTbf matches the numbers the Go plugin puts in the kernel for odd rates and bursts', () => {
    const env = testEnv();
    const h = openHandle(env.host.path);
    const clock = pschedClock();
    try {
      const cases = [
        [1_234_567, 98_765],
        [10_000, 12_000],
        [1_000_000_000, 10_000_000],
        [40_000_000_001, 4_000_000],
        [999, 99_999],
      ] as const;
      cases.forEach(([rate, burst], i) => {
        veth(h, env.container, `vo${i}`, `eth${i}`);
        const r = callInNetns(goBandwidth, env.host, { command: 'ADD', netns: env.container.path, containerId: `odd${i}`, ifname: `eth${i}` }, {
          cniVersion: '0.4.0',
          name: 'odd',
          type: 'bandwidth',
          ingressRate: rate,
          ingressBurst: burst,
          prevResult: { cniVersion: '0.4.0', interfaces: [{ name: `vo${i}` }, { name: `eth${i}`, sandbox: env.container.path }], ips: [] },
        });
        expect(r.code, r.stdout + r.stderr).toBe(0);
        const want = bandwidthTbf(rate, burst, clock);
        const tbf = h.qdiscList(`vo${i}`).find((q) => q.kind === 'tbf');
        expect(tbf?.data, `rate ${rate} burst ${burst}`).toMatchObject({ rate: want.rate, buffer: want.buffer, limit: want.limit });
      });
    } finally {
      h.close();
    }
  });
});
