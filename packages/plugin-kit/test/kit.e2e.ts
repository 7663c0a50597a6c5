// The kernel-facing helpers against real namespaces (testkit), each inside withNetns.
import { addrs, checkLeaks, link, must, routes, sysctl, testEnv } from '@cni-ts/testkit';
import { addrAdd, addrList, linkAdd, linkByName, linkSetNsFd, openNetns, sysctlSet, tempNetns, withNetns } from '@cni-ts/netlink';
import { describe, expect, it } from 'vitest';
import {
  configureIface,
  defaultRouteInterface,
  delLinkByName,
  delLinkByNameAddr,
  enableAddressNotify,
  enableForwarding,
  NoSuchLinkError,
  randomVethName,
  settleAddresses,
  validateExpectedInterfaceIPs,
  validateExpectedRoute,
  vethPeerIndex,
} from '../src/index';

checkLeaks();

function vethIn(ns: string, a: string, b: string) {
  must('ip', ['-n', ns, 'link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
}

describe('configureIface', () => {
  it('adds addresses, brings the link up, adds routes with the family gateway, and CHECK helpers agree', () => {
    const env = testEnv();
    vethIn(env.container.name, 'eth0', 'peer0');
    must('ip', ['-n', env.container.name, 'link', 'set', 'peer0', 'up']);
    const res = {
      cniVersion: '1.1.0',
      interfaces: [{ name: 'eth0', sandbox: env.container.path }],
      ips: [
        { interface: 0, address: '10.9.0.5/24', gateway: '10.9.0.1' },
        { interface: 0, address: 'fd00:9::5/64', gateway: 'fd00:9::1' },
      ],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '10.200.0.0/16', gw: '10.9.0.254', priority: 50 }, { dst: '::/0' }],
    };
    withNetns(env.container.path, () => {
      // DAD would hold fd00:9::5 tentative for a second; the settle wait covers it.
      configureIface('eth0', res);
      validateExpectedInterfaceIPs('eth0', res.ips);
      validateExpectedRoute(res.routes);
      expect(() => validateExpectedRoute([{ dst: '10.201.0.0/16' }])).toThrow(
        'Expected Route {Dst:10.201.0.0/16 GW:<nil> MTU:0 AdvMSS:0 Priority:0 Table:<nil> Scope:<nil>} not found in routing table',
      );
      expect(() => validateExpectedInterfaceIPs('eth0', [{ address: '10.9.0.6/24' }])).toThrow('Failed to match addr 10.9.0.6/24 on interface eth0');
    });
    expect(link(env.container.name, 'eth0')?.flags).toContain('UP');
    expect(addrs(env.container.name, 'eth0').map((a) => `${a.local}/${a.prefixlen}`)).toEqual(
      expect.arrayContaining(['10.9.0.5/24', 'fd00:9::5/64']),
    );
    const r4 = routes(env.container.name, 4);
    expect(r4).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '10.9.0.1', dev: 'eth0', protocol: 'boot' }));
    expect(r4).toContainEqual(expect.objectContaining({ dst: '10.200.0.0/16', gateway: '10.9.0.254', metric: 50 }));
    expect(routes(env.container.name, 6)).toContainEqual(expect.objectContaining({ dst: 'default', gateway: 'fd00:9::1' }));
    expect(sysctl(env.container.name, 'net/ipv6/conf/eth0/keep_addr_on_down')).toBe('1');
  });

  it('rejects an IP pointing at another interface, and a missing link', () => {
    const env = testEnv();
    vethIn(env.container.name, 'eth0', 'peer0');
    withNetns(env.container.path, () => {
      expect(() =>
        configureIface('eth0', { cniVersion: '1.1.0', interfaces: [{ name: 'eth1' }], ips: [{ interface: 0, address: '10.9.0.5/24' }] }),
      ).toThrow('failed to add IP addr {Interface:0 Address:10.9.0.5/24 Gateway:<nil>} to "eth0": invalid interface index');
      expect(() => configureIface('eth0', { cniVersion: '1.1.0', interfaces: [] })).toThrow('no interfaces to configure');
      expect(() => configureIface('nope', { cniVersion: '1.1.0', interfaces: [{ name: 'nope' }] })).toThrow('failed to lookup "nope": Link not found');
      // a duplicate route is the one case the ECMP add refuses
      const res = { cniVersion: '1.1.0', interfaces: [{ name: 'eth0' }], ips: [{ interface: 0, address: '10.9.0.5/24' }], routes: [{ dst: '10.50.0.0/16', gw: '10.9.0.1' }, { dst: '10.50.0.0/16', gw: '10.9.0.1' }] };
      expect(() => configureIface('eth0', res)).toThrow("failed to add route '10.50.0.0/16 via 10.9.0.1 dev eth0 metric 0 (Scope: universe, Table: 0)': file exists");
    });
  });
});

describe('links and namespaces', () => {
  it('deletes links idempotently and reports their global addresses', () => {
    const env = testEnv();
    vethIn(env.container.name, 'eth0', 'peer0');
    must('ip', ['-n', env.container.name, 'addr', 'add', '10.9.0.5/24', 'dev', 'eth0']);
    withNetns(env.container.path, () => {
      expect(delLinkByNameAddr('eth0')).toEqual(['10.9.0.5/24']);
      expect(() => delLinkByName('eth0')).toThrow(NoSuchLinkError);
    });
    expect(link(env.container.name, 'peer0')).toBeUndefined();
  });

  it('finds the default route interface and fails without one', () => {
    const env = testEnv();
    env.hostLink('up0');
    must('ip', ['-n', env.host.name, 'addr', 'add', '10.9.1.2/24', 'dev', 'up0']);
    expect(() => defaultRouteInterface(env.host.path)).toThrow('no default route interface found');
    must('ip', ['-n', env.host.name, 'route', 'add', 'default', 'via', '10.9.1.1']);
    expect(defaultRouteInterface(env.host.path)).toBe('up0');
  });

  it('a temporary netns holds a device until it is moved out', () => {
    const env = testEnv();
    env.hostLink('dev0');
    const host = env.host.path;
    const tmp = tempNetns();
    try {
      withNetns(host, () => linkSetNsFd(linkByName('dev0').index, tmp));
      expect(link(env.host.name, 'dev0')).toBeUndefined();
      const back = openNetns(host);
      try {
        withNetns(tmp, () => linkSetNsFd(linkByName('dev0').index, back));
      } finally {
        back.close();
      }
      expect(link(env.host.name, 'dev0')).toBeDefined();
    } finally {
      tmp.close();
    }
  });

  it('sets arp_notify and ndisc_notify', () => {
    const env = testEnv();
    vethIn(env.container.name, 'eth0', 'peer0');
    withNetns(env.container.path, () => enableAddressNotify('eth0'));
    expect(sysctl(env.container.name, 'net/ipv4/conf/eth0/arp_notify')).toBe('1');
    expect(sysctl(env.container.name, 'net/ipv6/conf/eth0/ndisc_notify')).toBe('1');
  });

  it('waits for IPv6 DAD to finish, fails on DADFAILED, and gives up quietly on a link that is down', () => {
    const env = testEnv();
    vethIn(env.host.name, 'ex0', 'ex1');
    must('ip', ['-n', env.host.name, 'link', 'set', 'ex1', 'netns', env.container.name]);
    must('ip', ['-n', env.host.name, 'link', 'set', 'ex0', 'up']);
    must('ip', ['-n', env.container.name, 'link', 'set', 'ex1', 'up']);
    withNetns(env.container.path, () => {
      addrAdd('ex1', 'fd00:50::2/64');
      expect(addrList('ex1', 6).find((a) => a.ip === 'fd00:50::2')?.tentative).toBe(true);
      settleAddresses('ex1', 10_000);
      expect(addrList('ex1', 6).some((a) => a.tentative)).toBe(false);
    });
    // the same address on the other end fails DAD there
    withNetns(env.host.path, () => {
      addrAdd('ex0', 'fd00:50::2/64');
      expect(() => settleAddresses('ex0', 10_000)).toThrow('link ex0 has address fd00:50::2 in DADFAILED state');
    });
    withNetns(env.container.path, () => {
      // an up link whose DAD outlasts the timeout is an error (Go prints the Duration with %d)
      sysctlSet('net/ipv6/conf/ex1/dad_transmits', 20);
      addrAdd('ex1', 'fd00:53::2/64');
      expect(() => settleAddresses('ex1', 300)).toThrow('link ex1 still has tentative addresses after 300000000 seconds');
    });
    withNetns(env.host.path, () => {
      // a link that is down never finishes DAD: not an error (Go v1.9 behaviour)
      linkAdd({ kind: 'veth', name: 'exd0', peer: { name: 'exd1' } });
      addrAdd('exd0', 'fd00:51::1/64');
      const t0 = Date.now();
      settleAddresses('exd0', 200);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    });
  });

  it("has pkg/ip's helpers: veth names, peer index, delete by name (with addresses), forwarding", () => {
    const env = testEnv();
    vethIn(env.host.name, 'ex0', 'ex1');
    expect(randomVethName()).toMatch(/^veth[0-9a-f]{8}$/);
    expect(new Set(Array.from({ length: 20 }, () => randomVethName())).size).toBe(20);
    withNetns(env.host.path, () => {
      expect(vethPeerIndex('ex1').peerIndex).toBe(linkByName('ex0').index);
      addrAdd('ex1', '10.50.0.2/24');
      addrAdd('ex1', { address: 'fd00:54::2/64', noDad: true });
      expect(delLinkByNameAddr('ex1').toSorted()).toEqual(['10.50.0.2/24', 'fd00:54::2/64']); // no fe80::
      expect(() => delLinkByNameAddr('ex1')).toThrow(NoSuchLinkError);
      enableForwarding(4);
      enableForwarding(4);
      enableForwarding(6);
    });
    expect(sysctl(env.host.name, 'net/ipv4/ip_forward')).toBe('1');
    expect(sysctl(env.host.name, 'net/ipv6/conf/all/forwarding')).toBe('1');
  });
});
