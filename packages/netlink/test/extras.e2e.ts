import { describe, expect, it } from 'vitest';
import { checkLeaks, execIn, ipJson, link, must, ping, testEnv, type IpLink } from '@cni-ts/testkit';
import { NetlinkError, openHandle, openNetns, sysctlSet } from '../src/index';

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

describe('tap devices, driver info, statistics, announcements', () => {
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

  it("reads and writes sysctls of a handle's namespace", () => {
    const { env, h, c, close } = pair();
    try {
      expect(h.sysctlGet('net.ipv4.ip_forward')).toBe('0');
      expect(h.sysctlEnsure('net/ipv4/ip_forward', 1)).toBe(true);
      expect(h.sysctlEnsure('net/ipv4/ip_forward', 1)).toBe(false);
      h.sysctlSet('net/ipv6/conf/all/forwarding', 1);
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
