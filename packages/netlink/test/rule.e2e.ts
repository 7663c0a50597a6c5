import { describe, expect, it } from 'vitest';
import { checkLeaks, rules, testEnv } from '@cni-ts/testkit';
import { isNotFound, openHandle } from '../src/index';

describe('policy rules', () => {
  checkLeaks();

  it('adds, lists and deletes IPv4 and IPv6 rules', () => {
    const env = testEnv();
    const h = openHandle(env.host.path);
    try {
      h.ruleAdd({ src: '10.40.0.3/32', table: 100, priority: 1000 });
      h.ruleAdd({ fwmark: 0x10, fwmask: 0xff, iifname: 'lo', table: 2000, priority: 1001 });
      h.ruleAdd({ dst: '10.41.0.0/16', priority: 1003, suppressPrefixlen: 0 });
      h.ruleAdd({ invert: true, dst: 'fd00:40::/64', table: 100, priority: 1002 });
      const v4 = rules(env.host.name, 4);
      expect(v4).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ priority: 1000, src: '10.40.0.3', table: '100' }),
          expect.objectContaining({ priority: 1001, fwmark: '0x10', fwmask: '0xff', iif: 'lo', table: '2000' }),
        ]),
      );
      expect(rules(env.host.name, 6)).toEqual(
        expect.arrayContaining([expect.objectContaining({ priority: 1002, not: null, dst: 'fd00:40::', dstlen: 64, table: '100' })]),
      );
      const ours = h.ruleList();
      expect(ours.find((r) => r.priority === 1000)).toMatchObject({ family: 4, src: '10.40.0.3/32', table: 100, action: 'to_tbl' });
      expect(ours.find((r) => r.priority === 1001)).toMatchObject({ fwmark: 16, fwmask: 255, iifname: 'lo', table: 2000 });
      expect(ours.find((r) => r.priority === 1002)).toMatchObject({ family: 6, invert: true, dst: 'fd00:40::/64' });
      expect(ours.find((r) => r.priority === 1003)).toMatchObject({ table: 254, suppressPrefixlen: 0, dst: '10.41.0.0/16' });
      expect(h.ruleList(6).every((r) => r.family === 6)).toBe(true);
      // the three default rules of each family are there too
      expect(h.ruleList(4).map((r) => r.priority)).toEqual(expect.arrayContaining([0, 32766, 32767]));

      expect(() => h.ruleAdd({ src: '10.40.0.3/32', table: 100, priority: 1000 })).toThrow(/^EEXIST adding rule "pref 1000 from 10.40.0.3\/32 table 100"/);
      h.ruleDel({ priority: 1000 });
      h.ruleDel({ priority: 1002, family: 6 });
      expect(rules(env.host.name, 4).some((r) => r.priority === 1000)).toBe(false);
      expect(rules(env.host.name, 6).some((r) => r.priority === 1002)).toBe(false);
      let e: unknown;
      try {
        h.ruleDel({ priority: 1000 });
      } catch (err) {
        e = err;
      }
      expect(e).toMatchObject({ code: 'ENOENT', op: 'deleting rule', object: '"pref 1000"' });
      expect(isNotFound(e)).toBe(true);
    } finally {
      h.close();
    }
  });
});
