import { describe, expect, it } from 'vitest';
import { NLM_F } from '../constants';
import { parseNlmsgs } from '../nlmsg';
import * as fx from './fixtures/captured';
import { SCENARIOS } from './fixtures/scenarios';
import { NFTA_SET, UDATA } from './constants';
import { bodyAttrs } from './nfgen';
import { decodeTlvs } from './udata';

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
  const tlvs = Buffer.concat(kept.map((t) => Buffer.concat([Buffer.from([t.type, t.value.length]), t.value])));
  const parts = attrs.list.map((a) => ((a.type & 0x3fff) === NFTA_SET.USERDATA ? { ...a, data: tlvs } : a));
  const body = Buffer.concat([
    m.data.subarray(0, 4),
    ...parts.map((a) => {
      const out = Buffer.alloc((4 + a.data.length + 3) & ~3);
      out.writeUInt16LE(4 + a.data.length, 0);
      out.writeUInt16LE(a.type, 2);
      a.data.copy(out, 4);
      return out;
    }),
  ]);
  const head = Buffer.alloc(16);
  head.writeUInt32LE(16 + body.length, 0);
  head.writeUInt16LE(m.type, 4);
  head.writeUInt16LE(m.flags, 6);
  return hex(Buffer.concat([head, body]));
}

describe('nf_tables transactions: byte for byte what nft sends', () => {
  for (const [name, build] of Object.entries(SCENARIOS)) {
    it(`${name}: ${fx[name as keyof typeof SCENARIOS].script.split('\n')[0]} ...`, () => {
      const want = fx[name as keyof typeof SCENARIOS].batch.map(withoutTypeofHints);
      const got = build().commands.map((c) => {
        const head = Buffer.alloc(16);
        head.writeUInt32LE(16 + c.body.length, 0);
        head.writeUInt16LE(c.type, 4);
        head.writeUInt16LE(c.flags | NLM_F.REQUEST, 6);
        return hex(Buffer.concat([head, c.body]));
      });
      expect(got).toEqual(want);
    });
  }
});
