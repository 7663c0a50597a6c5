import { describe, expect, it } from 'vitest';
import { decodeAddrMessage, encodeAddrMessage } from './addr';
import * as fx from './fixtures/captured';
import { msg, recordingCtx } from './fixtures/helpers';
import * as addr from '../ops/addr';

const hex = (b: Buffer) => b.toString('hex');

describe('address messages', () => {
  for (const name of ['addrAddV4', 'addrAddV6', 'addrDelV4', 'addrDumpRequest'] as const) {
    it(`${name} (iproute2) round-trips byte for byte`, () => {
      const m = msg(fx[name]);
      expect(hex(encodeAddrMessage(decodeAddrMessage(m.data)))).toBe(hex(m.data));
    });
  }

  it('decodes kernel replies with flags, lifetimes and labels', () => {
    const v4 = addr.toAddr(decodeAddrMessage(msg(fx.addrDumpReplyV4).data));
    expect(v4).toMatchObject({ family: 4, ip: '10.1.2.3', prefixLen: 24, cidr: '10.1.2.3/24', broadcast: '10.1.2.255', label: 'vx0', index: 3 });
    expect(v4.validLft).toBe(0xffffffff);
    const v6 = addr.toAddr(decodeAddrMessage(msg(fx.addrDumpReplyV6).data));
    expect(v6).toMatchObject({ family: 6, cidr: 'fd00::3/64', flags: 0x202, validLft: 100, preferredLft: 50, tentative: false });
  });

  it('operations send what `ip addr` sends', () => {
    const cases: [keyof typeof fx, (c: ReturnType<typeof recordingCtx>['ctx']) => void][] = [
      // vishvananda/netlink computes the IPv4 broadcast; iproute2 was given `brd 10.1.2.255`.
      ['addrAddV4', (c) => addr.addrAdd(c, 3, '10.1.2.3/24')],
      ['addrAddV6', (c) => addr.addrAdd(c, 3, { address: 'fd00::3/64', noDad: true, noPrefixRoute: true, validLft: 100, preferredLft: 50 })],
      ['addrDelV4', (c) => addr.addrDel(c, 3, '10.1.2.3/24')],
    ];
    for (const [name, run] of cases) {
      const { ctx, sent } = recordingCtx();
      run(ctx);
      const want = msg(fx[name]);
      expect(sent[0]!.type).toBe(want.type);
      expect((sent[0]!.flags | 5).toString(16)).toBe(want.flags.toString(16));
      expect(hex(sent[0]!.body)).toBe(hex(want.data));
    }
  });
});
