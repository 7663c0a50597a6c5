import { describe, expect, it } from 'vitest';
import { checkLeaks, execIn, ipJson, link, must, ping, testEnv, type IpLink } from '@cni-ts/testkit';
import { DadFailedError, NetlinkError, openHandle, openNetns, randomVethName, sysctlSet } from '../src/index';

/** host veth `ex0` (10.50.0.1) <-> container `ex1` (10.50.0.2), both up. */
function pair() {
  const env = testEnv();
  const h = openHandle(env.host.path);
  const c = openHandle(env.container.path);
  const ctr = openNetns(env.container.path);
  try {
    h.linkAdd({ kind: 'veth', name: 'ex0', up: true, peer: { name: 'ex1', netns: ctr } });
  } finally {
    ctr.close();
  }
  c.linkSetUp('ex1');
  h.addrAdd('ex0', '10.50.0.1/24');
  c.addrAdd('ex1', '10.50.0.2/24');
  return { env, h, c, close: () => (h.close(), c.close()) };
}

describe('tap devices, driver info, statistics, address settling, announcements', () => {
  checkLeaks();

  it('creates persistent tap and tun devices through /dev/net/tun inside a namespace', () => {
    const env = testEnv();
    const h = openHandle(env.container.path);
    try {
      h.tuntapAdd({ name: 'tap0' });
      h.tuntapAdd({ name: 'tun0', mode: 'tun', multiQueue: true, owner: 0 });
      const tap = ipJson<IpLink>(env.container.name, 'link', 'show', 'tap0')[0]!;
      expect(tap.linkinfo?.info_kind).toBe('tun');
      expect(tap.linkinfo?.info_data).toMatchObject({ type: 'tap', pi: false, persist: true });
      const tun = ipJson<IpLink>(env.container.name, 'link', 'show', 'tun0')[0]!;
      expect(tun.linkinfo?.info_data).toMatchObject({ type: 'tun', multi_queue: true, user: 'root' });
      expect(h.linkByName('tap0').data).toMatchObject({ kind: 'tun', type: 'tap', persist: true, pi: false });
      expect(link(env.host.name, 'tap0')).toBeUndefined();
      expect(() => h.tuntapAdd({ name: 'tap0' })).toThrow('EEXIST creating tap "tap0": file exists');
      h.linkDel('tap0');
      expect(link(env.container.name, 'tap0')).toBeUndefined();
    } finally {
      h.close();
    }
  });

  it('reads the driver name (ethtool) and link statistics', () => {
    const { env, h, c, close } = pair();
    try {
      h.linkAdd({ kind: 'bridge', name: 'exbr0' });
      expect(h.linkDriverInfo('ex0').driver).toBe('veth');
      expect(h.linkDriverInfo('exbr0').driver).toBe('bridge');
      expect(c.linkDriverInfo('ex1').driver).toBe('veth');
      expect(() => h.linkDriverInfo('nope0')).toThrow(/^ENODEV reading driver info of link "nope0"/);
      expect(ping(env.container.name, '10.50.0.1', 2)).toBe(true);
      const stats = c.linkByName('ex1').stats!;
      const theirs = ipJson<{ stats64: { rx: { packets: number }; tx: { packets: number; bytes: number } } }>(
        env.container.name, '-s', 'link', 'show', 'ex1',
      )[0]!.stats64;
      expect(stats.txPackets).toBeGreaterThanOrEqual(2);
      expect(stats.txPackets).toBeLessThanOrEqual(theirs.tx.packets);
      expect(stats.rxPackets).toBeGreaterThanOrEqual(2);
    } finally {
      close();
    }
  });

  it('waits for IPv6 DAD to finish, fails on DADFAILED, and gives up quietly on a down link', () => {
    const { env, h, c, close } = pair();
    try {
      c.addrAdd('ex1', 'fd00:50::2/64');
      expect(c.addrList('ex1', 6).find((a) => a.ip === 'fd00:50::2')?.tentative).toBe(true);
      c.settleAddresses('ex1', 10_000);
      expect(c.addrList('ex1', 6).some((a) => a.tentative)).toBe(false);

      // the same address on the other end fails DAD there
      h.addrAdd('ex0', 'fd00:50::2/64');
      expect(() => h.settleAddresses('ex0', 10_000)).toThrow(DadFailedError);
      expect(() => h.settleAddresses('ex0', 10_000)).toThrow('link ex0 has address fd00:50::2/64 in DADFAILED state');

      // an up link whose DAD outlasts the timeout is an error (Go prints "after 5000000000 seconds")
      const ctr = openNetns(env.container.path);
      try {
        sysctlSet('net/ipv6/conf/ex1/dad_transmits', 20, ctr);
      } finally {
        ctr.close();
      }
      c.addrAdd('ex1', 'fd00:53::2/64');
      expect(() => c.settleAddresses('ex1', 300)).toThrow('link ex1 still has tentative addresses after 0.3 seconds');

      // a link that is down never finishes DAD: not an error (Go v1.9 behaviour)
      h.linkAdd({ kind: 'veth', name: 'exd0', peer: { name: 'exd1' } });
      h.addrAdd('exd0', 'fd00:51::1/64');
      const t0 = Date.now();
      h.settleAddresses('exd0', 200);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
      void env;
    } finally {
      close();
    }
  });

  it('sends a gratuitous ARP and an unsolicited neighbour advertisement the peer learns from', () => {
    const { env, h, c, close } = pair();
    try {
      const ctr = openNetns(env.container.path);
      try {
        sysctlSet('net/ipv4/conf/ex1/arp_accept', 1, ctr);
        // RFC 9131: an unsolicited NA creates an entry only on a router that accepts untracked NAs.
        sysctlSet('net/ipv6/conf/ex1/accept_untracked_na', 1, ctr);
        sysctlSet('net/ipv6/conf/ex1/forwarding', 1, ctr);
      } finally {
        ctr.close();
      }
      const mac = h.linkByName('ex0').mac!;
      h.addrAdd('ex0', { address: 'fd00:52::1/64', noDad: true });
      c.addrAdd('ex1', { address: 'fd00:52::2/64', noDad: true });
      h.sendGratuitousArp('ex0', '10.50.0.1');
      h.sendUnsolicitedNa('ex0', 'fd00:52::1');
      let learned: { ip: string; mac?: string }[] = [];
      for (let i = 0; i < 50; i++) {
        learned = c.neighList({ link: 'ex1' });
        if (learned.some((n) => n.ip === '10.50.0.1') && learned.some((n) => n.ip === 'fd00:52::1')) break;
        execIn(env.container.name, 'sleep', ['0.05']);
      }
      expect(learned.find((n) => n.ip === '10.50.0.1')?.mac).toBe(mac);
      expect(learned.find((n) => n.ip === 'fd00:52::1')?.mac).toBe(mac);
      expect(() => h.sendGratuitousArp('ex0', 'fd00::1')).toThrow(/needs an IPv4 address/);
    } finally {
      close();
    }
  });

  it('has the pkg/ip helpers: veth names, delete by name (with addresses), peer index, forwarding, sysctls', () => {
    const { env, h, c, close } = pair();
    try {
      expect(randomVethName()).toMatch(/^veth[0-9a-f]{8}$/);
      expect(c.vethPeerIndex('ex1')).toBe(h.linkByName('ex0').index);
      c.addrAdd('ex1', { address: 'fd00:54::2/64', noDad: true });
      const addrs = c.delLinkByNameAddr('ex1')!;
      expect(addrs.map((a) => a.cidr).toSorted()).toEqual(['10.50.0.2/24', 'fd00:54::2/64']); // no fe80::
      expect(c.delLinkByNameAddr('ex1')).toBeUndefined();
      expect(link(env.host.name, 'ex0')).toBeUndefined();
      h.linkAdd({ kind: 'bridge', name: 'exbr1' });
      expect(h.delLinkByName('exbr1')).toBe(true);
      expect(h.delLinkByName('exbr1')).toBe(false);
      expect(h.sysctlGet('net.ipv4.ip_forward')).toBe('0');
      expect(h.enableIP4Forward()).toBe(true);
      expect(h.enableIP4Forward()).toBe(false);
      expect(h.enableIP6Forward()).toBe(true);
      expect(execIn(env.host.name, 'cat', ['/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/ipv6/conf/all/forwarding'])).toBe('1\n1\n');
      expect(c.sysctlGet('net/ipv4/ip_forward')).toBe('0');
    } finally {
      close();
    }
  });

  it('errors of the socket layer are NetlinkErrors with errno', () => {
    const env = testEnv();
    const h = openHandle(env.host.path);
    try {
      must('ip', ['-n', env.host.name, 'link', 'add', 'er0', 'type', 'veth', 'peer', 'name', 'er1']);
      let e: unknown;
      try {
        h.linkAdd({ kind: 'generic', linkKind: 'nosuchkind', name: 'er2' });
      } catch (err) {
        e = err;
      }
      expect(e).toBeInstanceOf(NetlinkError);
      expect(e).toMatchObject({ code: 'EOPNOTSUPP', object: '"er2"' });
    } finally {
      h.close();
    }
  });
});
