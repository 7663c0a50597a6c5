import { describe, expect, it } from 'vitest';
import { addrs, checkLeaks, testEnv } from '@cni-ts/testkit';
import { NetlinkError, isExist, isNotFound, openHandle } from '../src/index';

function setup() {
  const env = testEnv();
  env.hostLink('ad0', 'ad1');
  const h = openHandle(env.host.path);
  return { env, h };
}

describe('addresses', () => {
  checkLeaks();

  it('adds IPv4 addresses with the broadcast vishvananda/netlink computes, and lists them', () => {
    const { env, h } = setup();
    try {
      h.addrAdd('ad0', '10.10.0.1/24');
      h.addrAdd('ad0', { address: '10.10.1.1/31' });
      h.addrAdd('ad0', { address: '10.10.2.1/24', broadcast: 'none', label: 'ad0:x' });
      const theirs = addrs(env.host.name, 'ad0').filter((a) => a.family === 'inet');
      expect(theirs).toEqual([
        expect.objectContaining({ local: '10.10.0.1', prefixlen: 24, broadcast: '10.10.0.255' }),
        expect.objectContaining({ local: '10.10.1.1', prefixlen: 31 }),
        expect.objectContaining({ local: '10.10.2.1', prefixlen: 24, label: 'ad0:x' }),
      ]);
      expect(theirs[1]!.broadcast).toBeUndefined();
      expect(theirs[2]!.broadcast).toBeUndefined();
      const ours = h.addrList('ad0', 4);
      expect(ours.map((a) => a.cidr)).toEqual(['10.10.0.1/24', '10.10.1.1/31', '10.10.2.1/24']);
      expect(ours[0]).toMatchObject({ family: 4, broadcast: '10.10.0.255', label: 'ad0', scope: 0 });
    } finally {
      h.close();
    }
  });

  it('adds IPv6 addresses with nodad, noprefixroute and lifetimes', () => {
    const { env, h } = setup();
    try {
      h.linkSetUp('ad0');
      h.addrAdd('ad0', { address: 'fd00:10::1/64', noDad: true, noPrefixRoute: true, validLft: 300, preferredLft: 200 });
      const [a] = addrs(env.host.name, 'ad0').filter((x) => x.family === 'inet6' && x.local === 'fd00:10::1');
      expect(a).toMatchObject({ prefixlen: 64, nodad: true, noprefixroute: true, valid_life_time: 300, preferred_life_time: 200 });
      const ours = h.addrList('ad0', 6).find((x) => x.ip === 'fd00:10::1')!;
      expect(ours).toMatchObject({ tentative: false, cidr: 'fd00:10::1/64' });
      expect(ours.validLft).toBeLessThanOrEqual(300);
      expect(ours.flags & 0x202).toBe(0x202);
      // replace updates lifetimes in place
      h.addrReplace('ad0', { address: 'fd00:10::1/64', noDad: true, validLft: 1000, preferredLft: 1000 });
      const [b] = addrs(env.host.name, 'ad0').filter((x) => x.local === 'fd00:10::1');
      expect(b!.valid_life_time).toBeGreaterThan(300);
    } finally {
      h.close();
    }
  });

  it('lists every link and filters by family', () => {
    const { h } = setup();
    try {
      h.addrAdd('ad0', '10.10.3.1/24');
      h.addrAdd('ad1', '10.10.4.1/24');
      h.addrAdd('lo', '127.0.0.2/8');
      const all = h.addrList();
      expect(all.map((a) => a.cidr)).toEqual(expect.arrayContaining(['10.10.3.1/24', '10.10.4.1/24', '127.0.0.1/8', '127.0.0.2/8']));
      expect(all.find((a) => a.ip === '127.0.0.2')?.scope).toBe(254);
      expect(h.addrList('ad1', 4).map((a) => a.cidr)).toEqual(['10.10.4.1/24']);
      expect(h.addrList('ad1').map((a) => a.family).toSorted()).toEqual([4, 6]); // + the link-local
      expect(h.addrList(undefined, 6).every((a) => a.family === 6)).toBe(true);
    } finally {
      h.close();
    }
  });

  it('deletes addresses; duplicates and missing ones are errors with errno and object', () => {
    const { env, h } = setup();
    try {
      h.addrAdd('ad0', '10.10.5.1/24');
      let dup: unknown;
      try {
        h.addrAdd('ad0', '10.10.5.1/24');
      } catch (e) {
        dup = e;
      }
      expect(isExist(dup)).toBe(true);
      expect((dup as NetlinkError).message).toBe('EEXIST adding address 10.10.5.1/24 to link "ad0": file exists: ipv4: Address already assigned');
      h.addrDel('ad0', '10.10.5.1/24');
      expect(addrs(env.host.name, 'ad0').filter((a) => a.family === 'inet')).toEqual([]);
      let missing: unknown;
      try {
        h.addrDel('ad0', '10.10.5.1/24');
      } catch (e) {
        missing = e;
      }
      expect(missing).toMatchObject({ code: 'EADDRNOTAVAIL', object: '"ad0"' });
      expect(isNotFound(missing)).toBe(true);
      expect(() => h.addrAdd('nope0', '10.10.6.1/24')).toThrow('Link not found');
    } finally {
      h.close();
    }
  });
});
