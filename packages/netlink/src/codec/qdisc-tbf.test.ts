import { describe, expect, it } from 'vitest';
import { AttrMap } from './attr';
import { decodeLinkMessage } from './link';
import * as fx from './fixtures/tc-captured';
import { msg, recordingCtx } from './fixtures/helpers';
import { TCA_TBF, decodeTbf, encodeTbf, tbfBurst, tbfFromTcArgs, tbfLatency } from './qdisc-tbf';
import { DEFAULT_PSCHED } from './tc-clock';
import { TC_RTM, decodeTcMessage, encodeTcMessage } from './tc';
import { linkAdd } from '../ops/link';
import * as qdisc from '../ops/qdisc';
import { bandwidthTbf } from '../tc-bandwidth';

const hex = (b: Buffer) => b.toString('hex');
const c = DEFAULT_PSCHED;

/** Our request for the same qdisc, with the fixture's header (ifindex, handle, parent). */
function ours(fixture: string, optionAttrs: ReturnType<typeof encodeTbf>): Buffer {
  const { options: _, ...head } = decodeTcMessage(msg(fixture).data);
  return encodeTcMessage({ ...head, optionAttrs });
}

describe('tbf requests are byte-identical to tc qdisc add ... tbf', () => {
  it('rate 8mbit burst 100000 latency 25ms', () => {
    const o = tbfFromTcArgs({ rate: 1_000_000, burst: 100_000, latency: 25_000 }, c);
    expect(o).toMatchObject({ rate: 1_000_000, buffer: 1_562_500, limit: 125_000, burst: 100_000 });
    expect(hex(ours(fx.tcTbfAdd, encodeTbf(o)))).toBe(hex(msg(fx.tcTbfAdd).data));
  });

  it('rate 40gbit (TCA_TBF_RATE64) burst 4mb limit 10mb', () => {
    const o = tbfFromTcArgs({ rate: 5_000_000_000, burst: 4 * 1024 * 1024, limit: 10 * 1024 * 1024 }, c);
    expect(hex(ours(fx.tcTbfReplaceRate64, encodeTbf(o)))).toBe(hex(msg(fx.tcTbfReplaceRate64).data));
    const attrs = new AttrMap(decodeTcMessage(msg(fx.tcTbfReplaceRate64).data).options!);
    expect(attrs.u64(TCA_TBF.RATE64)).toBe(5_000_000_000n);
  });

  it('rate 1mbit burst 10kb latency 50ms peakrate 2mbit mtu 1514 (PTAB, PBURST)', () => {
    const o = tbfFromTcArgs({ rate: 125_000, burst: 10_240, latency: 50_000, peakrate: 250_000, mtu: 1514 }, c);
    expect(hex(ours(fx.tcTbfPeakrate, encodeTbf(o)))).toBe(hex(msg(fx.tcTbfPeakrate).data));
  });

  it('qdiscAdd sends what tc sends (flags CREATE|EXCL, the header, the options)', () => {
    const { ctx, sent } = recordingCtx();
    qdisc.qdiscAdd(ctx, { kind: 'tbf', link: 2, handle: '1:', ...tbfFromTcArgs({ rate: 1e6, burst: 1e5, latency: 25e3 }, c) });
    const want = msg(fx.tcTbfAdd);
    expect(sent[0]!.type).toBe(want.type);
    expect((sent[0]!.flags | 5).toString(16)).toBe(want.flags.toString(16));
    expect(hex(sent[0]!.body)).toBe(hex(want.data));
  });
});

describe('the Go bandwidth plugin`s requests', () => {
  it('TBF on the host veth and on the IFB: bandwidthTbf + qdiscAdd send the same bytes', () => {
    for (const [fixture, rate, burst] of [
      [fx.goTbfHostVeth, 8_000_000, 800_000],
      [fx.goTbfIfb, 16_000_000, 1_600_000],
    ] as const) {
      const { ctx, sent } = recordingCtx();
      const link = decodeTcMessage(msg(fixture).data).index!;
      const { rate: r, buffer, limit } = bandwidthTbf(rate, burst, c);
      qdisc.qdiscAdd(ctx, { kind: 'tbf', link, handle: '1:', parent: 'root', rate: r, buffer, limit });
      const want = msg(fixture);
      expect(sent[0]!.type).toBe(TC_RTM.NEWQDISC);
      expect((sent[0]!.flags | 5).toString(16)).toBe(want.flags.toString(16));
      expect(hex(sent[0]!.body)).toBe(hex(want.data));
    }
  });

  it('ingress qdisc ffff:', () => {
    const { ctx, sent } = recordingCtx();
    qdisc.qdiscAdd(ctx, { kind: 'ingress', link: decodeTcMessage(msg(fx.goIngressAdd).data).index! });
    expect(hex(sent[0]!.body)).toBe(hex(msg(fx.goIngressAdd).data));
    expect(() => qdisc.qdiscAdd(ctx, { kind: 'ingress', link: 2, parent: 'root' })).toThrow(RangeError);
  });

  it('IFB link: the same link as Go asks for (iproute2 order, kind without NUL)', () => {
    const { ctx, sent } = recordingCtx();
    const go = decodeLinkMessage(msg(fx.goIfbAdd).data);
    linkAdd(ctx, { kind: 'ifb', name: go.name!, mtu: 1500, txqlen: 0, up: true });
    expect(decodeLinkMessage(sent[0]!.body)).toEqual(go);
    // and what `ip link add ifb0 mtu 1400 txqueuelen 0 type ifb` sends, byte for byte
    const r2 = recordingCtx();
    linkAdd(r2.ctx, { kind: 'ifb', name: 'ifb0', mtu: 1400, txqlen: 0 });
    expect(hex(r2.sent[0]!.body)).toBe(hex(msg(fx.tcIfbAdd).data));
  });
});

describe('tbf replies decode', () => {
  it('the 8mbit TBF, with tc`s burst and latency', () => {
    const q = qdisc.toQdisc(decodeTcMessage(msg(fx.tcQdiscDumpReplyTbf).data));
    expect(q).toMatchObject({ index: 2, kind: 'tbf', handle: 0x10000, root: true, ingress: false });
    expect(q.data).toMatchObject({ kind: 'tbf', rate: 1_000_000, limit: 125_000, buffer: 1_562_500, peakrate: 0, mtu: 0 });
    // linklayer ethernet as tc set it; cell_log is not echoed
    expect(q.data).toMatchObject({ rateSpec: { linklayer: 1, cellLog: 0 } });
    const d = q.data as NonNullable<ReturnType<typeof decodeTbf>>;
    expect(tbfBurst(d, c)).toBe(100_000);
    expect(tbfLatency(d, c)).toBe(25_000);
  });

  it('a 64-bit rate and a peak rate', () => {
    const q64 = qdisc.toQdisc(decodeTcMessage(msg(fx.tcQdiscDumpReplyTbfRate64).data));
    expect(q64.data).toMatchObject({ rate: 5_000_000_000, limit: 10_485_760, rateSpec: { rate: 0xffffffff } });
    const qp = qdisc.toQdisc(decodeTcMessage(msg(fx.tcQdiscDumpReplyTbfPeakrate).data));
    expect(qp).toMatchObject({ index: 5, handle: 0x20000 });
    expect(qp.data).toMatchObject({ rate: 125_000, peakrate: 250_000 });
    const d = qp.data as NonNullable<ReturnType<typeof decodeTbf>>;
    expect(tbfBurst(d, c)).toBe(10_240);
  });

  it('the Go plugin`s TBF on its IFB: the numbers CHECK compares', () => {
    const q = qdisc.toQdisc(decodeTcMessage(msg(fx.goQdiscDumpReplyTbfIfb).data));
    const want = bandwidthTbf(16_000_000, 1_600_000, c);
    expect(q.data).toMatchObject({ kind: 'tbf', rate: want.rate, limit: want.limit, buffer: want.buffer, rateSpec: { linklayer: 0 } });
  });

  it('pfifo_fast, noqueue, ingress', () => {
    const pf = qdisc.toQdisc(decodeTcMessage(msg(fx.tcQdiscDumpReplyPfifoFast).data));
    expect(pf).toMatchObject({ kind: 'pfifo_fast', root: true, handle: 0 });
    expect(pf.data).toEqual({ kind: 'pfifo_fast', bands: 3, priomap: [1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1] });
    const nq = qdisc.toQdisc(decodeTcMessage(msg(fx.tcQdiscDumpReplyNoqueue).data));
    expect(nq).toMatchObject({ index: 1, kind: 'noqueue', root: true });
    expect(nq.data).toBeUndefined();
    const ing = qdisc.toQdisc(decodeTcMessage(msg(fx.tcQdiscDumpReplyIngress).data));
    expect(ing).toMatchObject({ kind: 'ingress', ingress: true, root: false, handle: 0xffff0000 });
  });
});

describe('qdisc deletion requests', () => {
  it('root and ingress, as tc qdisc del sends them', () => {
    const { ctx, sent } = recordingCtx();
    qdisc.qdiscDel(ctx, { link: 2 });
    qdisc.qdiscDel(ctx, { link: 2, parent: 'ingress', kind: 'ingress' });
    expect(hex(sent[0]!.body)).toBe(hex(msg(fx.tcQdiscDelRoot).data));
    expect(hex(sent[1]!.body)).toBe(hex(msg(fx.tcIngressDel).data));
    expect(sent.map((s) => s.type)).toEqual([TC_RTM.DELQDISC, TC_RTM.DELQDISC]);
  });
});
