import { describe, expect, it } from 'vitest';
import { NLM_F } from '../constants';
import { encodeNlmsg, parseNlmsgs } from '../nlmsg';
import * as fx from './fixtures/captured';
import { SCENARIOS } from './fixtures/scenarios';
import { NFTA_RULE, NFTA_SET, UDATA } from './constants';
import { bodyAttrs } from './nfgen';
import { decodeTlvs, encodeTlvs } from './udata';
import { encodeAttrs } from '../attr';

const hex = (b: Buffer) => b.toString('hex');

/**
 * nft writes `typeof` hints (how to print keys) into the userdata of the sets it creates for
 * `{ ... }` in a rule; we do not (they only matter to nft's printer, see the README). Drop them
 * from nft's message so the rest still compares byte for byte.
 */
function withoutTypeofHints(msgHex: string): string {
  const m = parseNlmsgs(Buffer.from(msgHex, 'hex'))[0]!;
  if ((m.type & 0xff) !== 9) return msgHex;
  const { attrs } = bodyAttrs(m.data);
  const ud = attrs.get(NFTA_SET.USERDATA);
  if (!ud) return msgHex;
  const kept = decodeTlvs(ud).filter((t) => t.type !== UDATA.SET_KEY_TYPEOF && t.type !== UDATA.SET_DATA_TYPEOF && t.type !== 6);
  const tlvs = encodeTlvs(kept);
  const parts = attrs.list.map((a) => ((a.type & 0x3fff) === NFTA_SET.USERDATA ? { ...a, data: tlvs } : a));
  return hex(encodeNlmsg(m.type, m.flags, 0, 0, m.data.subarray(0, 4), encodeAttrs(parts)));
}

describe('nf_tables transactions: byte for byte what nft sends', () => {
  for (const [name, build] of Object.entries(SCENARIOS)) {
    it(`${name}: ${fx[name as keyof typeof SCENARIOS].script.split('\n')[0]} ...`, () => {
      const want = fx[name as keyof typeof SCENARIOS].batch.map(withoutTypeofHints);
      const got = build().commands.map((c) => hex(encodeNlmsg(c.type, c.flags | NLM_F.REQUEST, 0, 0, c.body)));
      expect(got).toEqual(want);
    });
  }
});

describe('rule userdata: tags after the comment', () => {
  it('round-trips the comment and further TLVs, the comment first as nft writes it', async () => {
    const { encodeRule, decodeRule } = await import('./rule');
    const tag = { type: 0xc5, value: Buffer.from('cni-ts net:0123456789abcdef if:eth0\0') };
    const body = encodeRule({ family: 'ip', table: 't', chain: 'c', exprs: [], comment: 'ctr1', tags: [tag] });
    const ud = bodyAttrs(body).attrs.get(NFTA_RULE.USERDATA)!;
    expect(decodeTlvs(ud).map((t) => t.type)).toEqual([UDATA.COMMENT, 0xc5]);
    const r = decodeRule(body);
    expect(r.comment).toBe('ctr1');
    expect(r.tags?.map((t) => [t.type, t.value.toString()])).toEqual([[0xc5, tag.value.toString()]]);
    // a rule with only a comment has no tags
    expect(decodeRule(encodeRule({ family: 'ip', table: 't', chain: 'c', exprs: [], comment: 'x' })).tags).toBeUndefined();
  });
});
