import { describe, expect, it } from 'vitest';
import { encodeAttrs, parseAttrs } from './attr';
import { encodeMsg, parseNlmsgs } from './nlmsg';
import * as fx from './fixtures/captured';

// Fixed header size after nlmsghdr, by message type: where the attributes start.
const FIXED: Record<number, number> = {
  16: 16, 17: 16, 18: 16, 19: 16, // ifinfomsg
  20: 8, 21: 8, 22: 8, // ifaddrmsg
  24: 12, 25: 12, 26: 12, // rtmsg
  28: 12, 29: 12, 30: 12, // ndmsg
  32: 12, 33: 12, 34: 12, // fib_rule_hdr
};

describe('every captured message round-trips through the generic codec', () => {
  for (const [name, hex] of Object.entries(fx)) {
    it(name, () => {
      const bytes = Buffer.from(hex, 'hex');
      const msgs = parseNlmsgs(bytes);
      expect(msgs).toHaveLength(1);
      const m = msgs[0]!;
      expect(encodeMsg(m).subarray(0, bytes.length).toString('hex')).toBe(hex);
      const fixed = FIXED[m.type];
      if (fixed !== undefined) {
        const attrs = m.data.subarray(fixed);
        expect(encodeAttrs(parseAttrs(attrs)).toString('hex')).toBe(attrs.toString('hex'));
      }
    });
  }
});
