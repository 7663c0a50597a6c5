import { describe, expect, it } from 'vitest';
import { decodeNeighMessage, encodeNeighMessage } from './neigh';
import * as fx from './fixtures/captured';
import { msg, recordingCtx } from './fixtures/helpers';
import * as neigh from '../ops/neigh';

const hex = (b: Buffer) => b.toString('hex');

describe('neighbour messages', () => {
  for (const name of ['neighAdd', 'neighReplaceV6', 'neighDel', 'neighDumpRequest'] as const) {
    it(`${name} (iproute2) round-trips byte for byte`, () => {
      const m = msg(fx[name]);
      expect(hex(encodeNeighMessage(decodeNeighMessage(m.data)))).toBe(hex(m.data));
    });
  }

  it('decodes kernel replies', () => {
    expect(neigh.toNeigh(decodeNeighMessage(msg(fx.neighDumpReplyV4).data))).toMatchObject({
      family: 4, ip: '10.1.2.9', mac: '02:00:00:00:00:09', state: 0x80, stateName: 'permanent', index: 3,
    });
    expect(neigh.toNeigh(decodeNeighMessage(msg(fx.neighDumpReplyV6).data))).toMatchObject({
      family: 6, ip: 'fd00::9', mac: '02:00:00:00:00:19', stateName: 'reachable',
    });
  });

  it('operations send what `ip neigh` sends', () => {
    const cases: [keyof typeof fx, (c: ReturnType<typeof recordingCtx>['ctx']) => void][] = [
      ['neighAdd', (c) => neigh.neighAdd(c, { link: 3, ip: '10.1.2.9', mac: '02:00:00:00:00:09' })],
      ['neighReplaceV6', (c) => neigh.neighSet(c, { link: 3, ip: 'fd00::9', mac: '02:00:00:00:00:19', state: 'reachable' })],
      ['neighDel', (c) => neigh.neighDel(c, { link: 3, ip: '10.1.2.9' })],
    ];
    for (const [name, run] of cases) {
      const { ctx, sent } = recordingCtx();
      run(ctx);
      const want = msg(fx[name]);
      expect(sent[0]!.type, name).toBe(want.type);
      expect((sent[0]!.flags | 5).toString(16), name).toBe(want.flags.toString(16));
      expect(hex(sent[0]!.body), name).toBe(hex(want.data));
    }
  });
});
