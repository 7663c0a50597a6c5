import { describe, expect, it } from 'vitest';
import { AttrMap } from './attr';
import { decodeActions } from './action';
import * as fx from './fixtures/tc-captured';
import { msg, recordingCtx } from './fixtures/helpers';
import { TCA_U32, U32_MATCH_ALL, decodeU32, decodeU32Sel, encodeU32Sel } from './filter-u32';
import { TC_RTM, decodeTcMessage } from './tc';
import * as filter from '../ops/filter';

const hex = (b: Buffer) => b.toString('hex');

describe('u32 filter with a mirred action', () => {
  it('filterAdd sends what `tc filter add ... u32 match u32 0 0 classid 1:1 action mirred egress redirect` sends', () => {
    const { ctx, sent } = recordingCtx();
    filter.filterAdd(ctx, {
      kind: 'u32',
      link: 2,
      parent: 'ffff:',
      priority: 1,
      protocol: 'all',
      classid: '1:1',
      actions: [{ kind: 'mirred', dev: 5 }],
    });
    const want = msg(fx.tcU32MirredAdd);
    expect(sent[0]!.type).toBe(TC_RTM.NEWTFILTER);
    expect((sent[0]!.flags | 5).toString(16)).toBe(want.flags.toString(16));
    expect(hex(sent[0]!.body)).toBe(hex(want.data));
  });

  it('builds the same filter as the Go bandwidth plugin (two mirred actions: stolen, then pass)', () => {
    const go = decodeTcMessage(msg(fx.goU32MirredAdd).data);
    const ifb = decodeU32(new AttrMap(go.options!)).actions![0]!.data as { ifindex: number };
    const { ctx, sent } = recordingCtx();
    filter.filterAdd(ctx, {
      kind: 'u32',
      link: go.index!,
      parent: 'ffff:',
      priority: 1,
      protocol: 'all',
      classid: '1:1',
      actions: [
        { kind: 'mirred', dev: ifb.ifindex },
        { kind: 'mirred', dev: ifb.ifindex, control: 'pass' },
      ],
    });
    const ours = decodeTcMessage(sent[0]!.body);
    // the same header and the same options, attribute order and NLA_F_NESTED bits aside
    const { options: a, ...headA } = ours;
    const { options: b, ...headB } = go;
    expect(headA).toEqual(headB);
    expect(decodeU32(new AttrMap(a!))).toEqual(decodeU32(new AttrMap(b!)));
    expect(decodeU32(new AttrMap(b!))).toMatchObject({
      sel: { flags: 1, keys: [{ mask: 0, val: 0, off: 0, offmask: 0 }] },
      classid: 0x10001,
      actions: [
        { order: 1, kind: 'mirred', controlName: 'stolen', data: { eaction: 'egress-redirect', ifindex: ifb.ifindex } },
        { order: 2, kind: 'mirred', controlName: 'pass', data: { eaction: 'egress-redirect', ifindex: ifb.ifindex } },
      ],
    });
  });

  it('the match-all selector is the one vishvananda sends for a nil Sel', () => {
    const go = new AttrMap(decodeTcMessage(msg(fx.goU32MirredAdd).data).options!);
    expect(hex(encodeU32Sel(U32_MATCH_ALL))).toBe(hex(go.get(TCA_U32.SEL)!));
    const sel = { flags: 1, offshift: 0, offmask: 0, off: 0, offoff: 0, hoff: 0, hmask: 0xff000000, keys: [{ mask: 0xffffff00, val: 0x0a000100, off: 16, offmask: 0 }] };
    expect(decodeU32Sel(encodeU32Sel(sel))).toEqual(sel);
  });
});

describe('u32 dump replies', () => {
  it('a u32 filter shows as its chain head, its hash table 800: and its node 800::800', () => {
    const [head, table, node] = [fx.tcFilterDumpReplyChain, fx.tcFilterDumpReplyTable, fx.tcFilterDumpReplyNode].map((h) =>
      filter.toFilter(decodeTcMessage(msg(h).data)),
    );
    expect(head).toMatchObject({ index: 2, parent: 0xffff0000, handle: 0, priority: 1, protocol: 3, protocolName: 'all', kind: 'u32', chain: 0 });
    expect(head!.data).toBeUndefined();
    expect(table).toMatchObject({ handle: 0x80000000, data: { kind: 'u32', divisor: 1 } });
    expect(node).toMatchObject({
      handle: 0x80000800,
      data: {
        kind: 'u32',
        classid: 0x10001,
        hash: 0x80000000,
        flags: 8, // TCA_CLS_FLAGS_NOT_IN_HW
        sel: { flags: 1, keys: [{ mask: 0, val: 0, off: 0, offmask: 0 }] },
        actions: [
          {
            order: 1,
            kind: 'mirred',
            index: 1,
            control: 4,
            controlName: 'stolen',
            refcnt: 1,
            bindcnt: 1,
            data: { kind: 'mirred', eaction: 'egress-redirect', direction: 'egress', mode: 'redirect', ifindex: 5 },
          },
        ],
      },
    });
    const stats = (node!.data as { actions: { stats?: { packets: number } }[] }).actions[0]!.stats;
    expect(stats?.packets).toBe(0);
  });

  it('the Go plugin`s node carries both actions', () => {
    const f = filter.toFilter(decodeTcMessage(msg(fx.goFilterDumpReplyNode).data));
    const actions = (f.data as { actions: { controlName: string; data: { eaction: string } }[] }).actions;
    expect(actions.map((a) => [a.controlName, a.data.eaction])).toEqual([
      ['stolen', 'egress-redirect'],
      ['pass', 'egress-redirect'],
    ]);
  });

  it('an unknown action kind keeps its raw options', () => {
    const opts = new AttrMap(decodeTcMessage(msg(fx.tcFilterDumpReplyNode).data).options!);
    const acts = opts.get(TCA_U32.ACT)!;
    const patched = Buffer.from(acts);
    patched.write('mirrex', patched.indexOf('mirred'));
    const [a] = decodeActions(new AttrMap(patched));
    expect(a).toMatchObject({ order: 1, kind: 'mirrex' });
    expect((a!.data as { raw: unknown[] }).raw.length).toBeGreaterThan(0);
  });
});

describe('filter requests', () => {
  it('dump and delete, as tc sends them', () => {
    const { ctx, sent } = recordingCtx();
    filter.filterList(ctx, 2, 'ingress');
    filter.filterDel(ctx, { link: 2, parent: 'ffff:', priority: 1 });
    expect(hex(sent[0]!.body)).toBe(hex(msg(fx.tcFilterDumpRequest).data));
    expect(sent[0]!.type).toBe(TC_RTM.GETTFILTER);
    expect(hex(sent[1]!.body)).toBe(hex(msg(fx.tcFilterDel).data));
    expect(sent[1]!.type).toBe(TC_RTM.DELTFILTER);
  });
});
