import { describe, expect, it } from 'vitest';
import { decodeRuleMessage, encodeRuleMessage } from './rule';
import * as fx from './fixtures/captured';
import { msg, recordingCtx } from './fixtures/helpers';
import * as rule from '../ops/rule';

const hex = (b: Buffer) => b.toString('hex');

describe('rule messages', () => {
  for (const name of ['ruleAdd', 'ruleAddFwmark', 'ruleAddV6Not', 'ruleDel', 'ruleDumpRequest'] as const) {
    it(`${name} (iproute2) round-trips byte for byte`, () => {
      const m = msg(fx[name]);
      expect(hex(encodeRuleMessage(decodeRuleMessage(m.data)))).toBe(hex(m.data));
    });
  }

  it('decodes kernel replies', () => {
    expect(rule.toRule(decodeRuleMessage(msg(fx.ruleDumpReplyFrom).data))).toEqual({
      family: 4, priority: 1000, src: '10.1.2.3/32', table: 100, action: 'to_tbl', invert: false, tos: 0, protocol: 'unspec',
    });
    expect(rule.toRule(decodeRuleMessage(msg(fx.ruleDumpReplyFwmark).data))).toMatchObject({
      priority: 1001, fwmark: 16, fwmask: 255, iifname: 'vx0', oifname: 'vx1', table: 2000,
    });
  });

  it('operations send what `ip rule` sends', () => {
    const cases: [keyof typeof fx, (c: ReturnType<typeof recordingCtx>['ctx']) => void][] = [
      ['ruleAdd', (c) => rule.ruleAdd(c, { src: '10.1.2.3/32', table: 100, priority: 1000 })],
      ['ruleAddFwmark', (c) => rule.ruleAdd(c, { fwmark: 0x10, fwmask: 0xff, iifname: 'vx0', oifname: 'vx1', table: 2000, priority: 1001 })],
      ['ruleAddV6Not', (c) => rule.ruleAdd(c, { invert: true, dst: 'fd00::/64', table: 100, priority: 1002 })],
      ['ruleDel', (c) => rule.ruleDel(c, { priority: 1000 })],
      ['ruleDumpRequest', (c) => rule.ruleList(c, 4)],
    ];
    for (const [name, run] of cases) {
      const { ctx, sent } = recordingCtx();
      run(ctx);
      const want = msg(fx[name]);
      expect(sent[0]!.type, name).toBe(want.type);
      expect(hex(sent[0]!.body), name).toBe(hex(want.data));
    }
  });
});
