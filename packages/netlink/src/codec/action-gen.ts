// What every tc action shares: its verdict (TC_ACT_*) and struct tc_gen, the head of its
// parameters. Values from linux/pkt_cls.h.
import { nameOf } from './constants';

/** An action's verdict (TC_ACT_*), by the names tc prints (`pass` is TC_ACT_OK, `drop` TC_ACT_SHOT). */
export const TC_ACT = {
  continue: -1,
  pass: 0,
  reclassify: 1,
  drop: 2,
  pipe: 3,
  stolen: 4,
  queued: 5,
  repeat: 6,
  redirect: 7,
  trap: 8,
} as const;
export type TcActName = keyof typeof TC_ACT;

export const controlCode = (c: TcActName | number): number => (typeof c === 'number' ? c : TC_ACT[c]);
export const controlName = (c: number): TcActName | number => nameOf(TC_ACT, c) as TcActName | number;

/** struct tc_gen, the head of every action's parameters (20 bytes). */
export interface TcGen {
  index: number;
  capab: number;
  /** the verdict (TC_ACT_*). */
  action: number;
  refcnt: number;
  bindcnt: number;
}

export const TC_GEN_LEN = 20;

export function encodeTcGen(g: Partial<TcGen>, b: Buffer, off = 0): void {
  b.writeUInt32LE(g.index ?? 0, off);
  b.writeUInt32LE(g.capab ?? 0, off + 4);
  b.writeInt32LE(g.action ?? 0, off + 8);
  b.writeInt32LE(g.refcnt ?? 0, off + 12);
  b.writeInt32LE(g.bindcnt ?? 0, off + 16);
}

export function decodeTcGen(b: Buffer, off = 0): TcGen {
  return {
    index: b.readUInt32LE(off),
    capab: b.readUInt32LE(off + 4),
    action: b.readInt32LE(off + 8),
    refcnt: b.readInt32LE(off + 12),
    bindcnt: b.readInt32LE(off + 16),
  };
}

