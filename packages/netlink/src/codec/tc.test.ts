import { describe, expect, it } from 'vitest';
import { AttrMap } from './attr';
import { decodeError } from './error';
import * as fx from './fixtures/tc-captured';
import { msg } from './fixtures/helpers';
import {
  TC_H,
  decodeTcMessage,
  encodeTcMessage,
  filterInfo,
  formatHandle,
  makeHandle,
  parseFilterInfo,
  parseHandle,
} from './tc';
import { DEFAULT_PSCHED, calcRtable, parsePsched, tick2time, time2tick, xmitsize, xmittime } from './tc-clock';

const hex = (b: Buffer) => b.toString('hex');

describe('tc handles', () => {
  it('parses what tc accepts', () => {
    expect(parseHandle('1:')).toBe(0x10000);
    expect(parseHandle('ffff:')).toBe(0xffff0000);
    expect(parseHandle('1:1')).toBe(0x10001);
    expect(parseHandle(':a')).toBe(0xa);
    expect(parseHandle('root')).toBe(TC_H.ROOT);
    expect(parseHandle('ingress')).toBe(0xfffffff1);
    expect(parseHandle('none')).toBe(0);
    expect(parseHandle(0x10000)).toBe(0x10000);
    for (const bad of ['1', ':', '12345:', 'x:', '1:2:3', '']) expect(() => parseHandle(bad), bad).toThrow(RangeError);
    expect(() => parseHandle(-1)).toThrow(RangeError);
    expect(() => parseHandle(2 ** 32)).toThrow(RangeError);
  });

  it('formats as tc prints', () => {
    expect(formatHandle(0x10000)).toBe('1:');
    expect(formatHandle(0x10001)).toBe('1:1');
    expect(formatHandle(0xffff0000)).toBe('ffff:');
    expect(formatHandle(0xfffffff1)).toBe('ffff:fff1');
    expect(formatHandle(TC_H.ROOT)).toBe('root');
    expect(makeHandle(0x800, 0x800)).toBe(0x8000800);
  });

  it('packs a filter priority and protocol like tc (network-order EtherType in tcm_info)', () => {
    expect(filterInfo(1, 0x0003)).toBe(0x00010300);
    expect(filterInfo(49152, 0x0800)).toBe(0xc0000008);
    expect(parseFilterInfo(0x00010300)).toEqual({ priority: 1, protocol: 3 });
    expect(parseFilterInfo(0xc0000008)).toEqual({ priority: 49152, protocol: 0x800 });
  });
});

describe('tcmsg and common attributes', () => {
  const ROUND_TRIP = ['tcIngressAdd', 'tcIngressDel', 'tcQdiscDelRoot', 'tcQdiscDumpRequest', 'tcFilterDumpRequest', 'tcFilterDel', 'goIngressAdd'] as const;
  for (const name of ROUND_TRIP) {
    it(`${name} round-trips byte for byte`, () => {
      const m = msg(fx[name]);
      const d = decodeTcMessage(m.data);
      const { options, ...rest } = d;
      const again = encodeTcMessage(options ? { ...rest, optionAttrs: new AttrMap(options).list } : rest);
      expect(hex(again)).toBe(hex(m.data));
    });
  }

  it('decodes the header and the statistics of a dumped qdisc', () => {
    const d = decodeTcMessage(msg(fx.tcQdiscDumpReplyTbf).data);
    expect(d).toMatchObject({ index: 2, handle: 0x10000, parent: TC_H.ROOT, kind: 'tbf' });
    expect(d.info).toBeGreaterThanOrEqual(1); // refcnt
    expect(d.stats).toMatchObject({ qlen: 0, drops: 0 });
    expect(typeof d.stats?.bytes).toBe('bigint');
    const ingress = decodeTcMessage(msg(fx.tcQdiscDumpReplyIngress).data);
    expect(ingress).toMatchObject({ index: 2, handle: 0xffff0000, parent: TC_H.INGRESS, kind: 'ingress' });
    expect(ingress.options?.length).toBe(0);
  });

  it('decodes the kernel error with its extended ACK', () => {
    const e = decodeError(msg(fx.tcErrorQdiscDelMissing));
    expect(e).toMatchObject({ errno: 2, message: 'Cannot delete qdisc with handle of zero' });
  });
});

describe('psched clock', () => {
  it('reads /proc/net/psched as iproute2 and vishvananda do', () => {
    expect(parsePsched('000003e8 00000040 000f4240 3b9aca00\n')).toEqual({ tickInUsec: 15.625, clockFactor: 1, hz: 1e9 });
    expect(DEFAULT_PSCHED.tickInUsec).toBe(15.625);
    // a nanosecond clock resolution: t2us is ignored (compatibility rule)
    expect(parsePsched('000003e8 00000040 3b9aca00 3b9aca00')).toEqual({ tickInUsec: 1000, clockFactor: 1000, hz: 100 });
    // old kernels: microsecond resolution, 1 tick per µs, hz from the 4th word
    expect(parsePsched('00000001 00000001 000f4240 00000064')).toEqual({ tickInUsec: 1, clockFactor: 1, hz: 100 });
    for (const bad of ['', 'x y z', '00000000 00000040 000f4240 3b9aca00', '000003e8 00000000 000f4240 1']) {
      expect(() => parsePsched(bad), bad).toThrow(/unreadable/);
    }
  });

  it('converts times like tc_core', () => {
    const c = DEFAULT_PSCHED;
    expect(time2tick(100_000, c)).toBe(1_562_500);
    expect(time2tick(1, c)).toBe(15); // truncated, as Go's uint32() conversion
    expect(() => time2tick(300_000_000, c)).toThrow(RangeError);
    expect(tick2time(1_562_500, c)).toBe(100_000);
    expect(xmittime(1_000_000, 100_000, c)).toBe(1_562_500);
    expect(xmittime(3, 1, c)).toBe(5_208_328); // 333333 µs (truncated) · 15.625, truncated
    expect(xmittime(1, 2 ** 32, c)).toBe(0xffffffff); // capped
    expect(xmitsize(1_000_000, 1_562_500, c)).toBe(100_000);
  });

  it('computes the rate table tc sends (8mbit, default mtu: cell_log 3)', () => {
    const tbfOptions = new AttrMap(decodeTcMessage(msg(fx.tcTbfAdd).data).options!);
    const rtab = tbfOptions.get(2)!;
    const { table, cellLog } = calcRtable(1_000_000, DEFAULT_PSCHED);
    expect(cellLog).toBe(3);
    expect(hex(Buffer.from(table.buffer))).toBe(hex(rtab));
    expect(calcRtable(1_000_000, DEFAULT_PSCHED, { mtu: 1514 }).cellLog).toBe(3);
    expect(calcRtable(1_000_000, DEFAULT_PSCHED, { mtu: 9000 }).cellLog).toBe(6);
    // ATM: sizes rounded up to 53-byte cells per 48 bytes of payload
    expect(calcRtable(1_000_000, DEFAULT_PSCHED, { cellLog: 0, linklayer: 'atm' }).table[0]).toBe(xmittime(1_000_000, 53, DEFAULT_PSCHED));
  });
});
