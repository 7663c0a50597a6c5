import { describe, expect, it } from 'vitest';
import { checkLeaks, ipJson, testEnv } from '@cni-ts/testkit';
import { isExist, isNotFound, openHandle } from '../src/index';

describe('neighbours', () => {
  checkLeaks();

  it('adds, replaces, lists and deletes ARP and NDP entries', () => {
    const env = testEnv();
    env.hostLink('nb0');
    const h = openHandle(env.host.path);
    try {
      h.neighAdd({ link: 'nb0', ip: '10.30.0.9', mac: '02:00:00:00:03:09' });
      h.neighSet({ link: 'nb0', ip: 'fd00:30::9', mac: '02:00:00:00:03:19', state: 'reachable' });
      h.neighAdd({ link: 'nb0', ip: '10.30.0.10', mac: '02:00:00:00:03:10', state: 'stale', router: true });
      const theirs = ipJson<Record<string, unknown>>(env.host.name, 'neigh', 'show', 'dev', 'nb0');
      expect(theirs).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ dst: '10.30.0.9', lladdr: '02:00:00:00:03:09', state: ['PERMANENT'] }),
          expect.objectContaining({ dst: 'fd00:30::9', lladdr: '02:00:00:00:03:19', state: ['REACHABLE'] }),
          expect.objectContaining({ dst: '10.30.0.10', router: null, state: ['STALE'] }),
        ]),
      );
      // (the kernel's own multicast entries are NOARP; leave them out)
      const ours = h.neighList({ link: 'nb0' }).filter((n) => n.stateName !== 'noarp');
      expect(ours.map((n) => [n.ip, n.mac, n.stateName]).toSorted()).toEqual(
        [
          ['10.30.0.10', '02:00:00:00:03:10', 'stale'],
          ['10.30.0.9', '02:00:00:00:03:09', 'permanent'],
          ['fd00:30::9', '02:00:00:00:03:19', 'reachable'],
        ].toSorted(),
      );
      expect(ours.find((n) => n.ip === '10.30.0.10')?.router).toBe(true);
      expect(h.neighList({ family: 6 }).every((n) => n.family === 6)).toBe(true);

      expect(() => h.neighAdd({ link: 'nb0', ip: '10.30.0.9', mac: '02:00:00:00:03:99' })).toThrow(/^EEXIST adding neighbour 10.30.0.9 dev "nb0"/);
      h.neighSet({ link: 'nb0', ip: '10.30.0.9', mac: '02:00:00:00:03:99' });
      expect(h.neighList({ link: 'nb0', family: 4 }).find((n) => n.ip === '10.30.0.9')?.mac).toBe('02:00:00:00:03:99');

      h.neighDel({ link: 'nb0', ip: '10.30.0.9' });
      expect(ipJson(env.host.name, 'neigh', 'show', '10.30.0.9', 'dev', 'nb0')).toEqual([]);
      let e: unknown;
      try {
        h.neighDel({ link: 'nb0', ip: '10.30.0.9' });
      } catch (err) {
        e = err;
      }
      expect(isNotFound(e)).toBe(true);
      expect(isExist(e)).toBe(false);
    } finally {
      h.close();
    }
  });
});
