// The mirred action (act_mirred): mirror or redirect a packet to another device's egress or
// ingress. Values from linux/tc_act/tc_mirred.h.
import { nla, type Attr, type AttrMap } from './attr';
import { nameOf } from './constants';
import { TC_GEN_LEN, decodeTcGen, encodeTcGen, type TcGen } from './action-gen';

export const TCA_MIRRED = { TM: 1, PARMS: 2, PAD: 3, BLOCKID: 4 } as const;

/** tc_mirred.eaction, named as `tc` writes them. */
export const MIRRED_EACTION = {
  'egress-redirect': 1,
  'egress-mirror': 2,
  'ingress-redirect': 3,
  'ingress-mirror': 4,
} as const;
export type MirredEaction = keyof typeof MIRRED_EACTION;

/** struct tc_mirred: tc_gen + eaction + ifindex (28 bytes). */
export const MIRRED_PARMS_LEN = TC_GEN_LEN + 8;

export interface MirredParms extends Partial<TcGen> {
  eaction: MirredEaction | number;
  ifindex: number;
}

export interface MirredData {
  eaction: MirredEaction | number;
  ifindex: number;
  /** 'egress' or 'ingress', 'redirect' or 'mirror' (from eaction). */
  direction?: 'egress' | 'ingress';
  mode?: 'redirect' | 'mirror';
}

/** TCA_ACT_OPTIONS of a mirred action. */
export function encodeMirred(p: MirredParms): Attr[] {
  const b = Buffer.alloc(MIRRED_PARMS_LEN);
  encodeTcGen(p, b, 0);
  b.writeInt32LE(typeof p.eaction === 'number' ? p.eaction : MIRRED_EACTION[p.eaction], TC_GEN_LEN);
  b.writeUInt32LE(p.ifindex >>> 0, TC_GEN_LEN + 4);
  return [nla.raw(TCA_MIRRED.PARMS, b)];
}

export function decodeMirred(m: AttrMap): (MirredData & { gen: TcGen }) | undefined {
  const b = m.get(TCA_MIRRED.PARMS);
  if (!b || b.length < MIRRED_PARMS_LEN) return undefined;
  const eaction = nameOf(MIRRED_EACTION, b.readInt32LE(TC_GEN_LEN)) as MirredEaction | number;
  const d: MirredData & { gen: TcGen } = { gen: decodeTcGen(b, 0), eaction, ifindex: b.readUInt32LE(TC_GEN_LEN + 4) };
  if (typeof eaction === 'string') {
    const [direction, mode] = eaction.split('-') as ['egress' | 'ingress', 'redirect' | 'mirror'];
    d.direction = direction;
    d.mode = mode;
  }
  return d;
}
