// NFTA_DATA: what cmp, immediate and set elements carry, either a value (up to 64 bytes) or a
// verdict (accept, drop, return, jump/goto to a chain).
import { AttrMap, type Attr } from '../attr';
import { NFTA_DATA, NFTA_VERDICT, VERDICT_CODE } from './constants';
import { be32, get, nest, raw, str } from './nfgen';

export type NftVerdict =
  | 'accept'
  | 'drop'
  | 'continue'
  | 'break'
  | 'return'
  | 'queue'
  | { jump: string }
  | { goto: string };

/** An NFTA_DATA-shaped nest holding a value. */
export const dataValue = (type: number, value: Buffer): Attr => nest(type, [raw(NFTA_DATA.VALUE, value)]);

/** An NFTA_DATA-shaped nest holding a verdict. */
export function dataVerdict(type: number, v: NftVerdict): Attr {
  const inner: Attr[] = [];
  if (typeof v === 'string') {
    inner.push(be32(NFTA_VERDICT.CODE, VERDICT_CODE[v]));
  } else if ('jump' in v) {
    inner.push(be32(NFTA_VERDICT.CODE, VERDICT_CODE.jump), str(NFTA_VERDICT.CHAIN, v.jump));
  } else {
    inner.push(be32(NFTA_VERDICT.CODE, VERDICT_CODE.goto), str(NFTA_VERDICT.CHAIN, v.goto));
  }
  return nest(type, [nest(NFTA_DATA.VERDICT, inner)]);
}

export type NftData = { value: Buffer } | { verdict: NftVerdict };

/** Decodes an NFTA_DATA nest (its payload). */
export function decodeData(buf: Buffer): NftData {
  const m = new AttrMap(buf);
  const value = m.get(NFTA_DATA.VALUE);
  if (value) return { value: Buffer.from(value) };
  const vm = m.nested(NFTA_DATA.VERDICT);
  if (!vm) throw new Error('NFTA_DATA without value or verdict');
  const code = get.i32(vm, NFTA_VERDICT.CODE) ?? 0;
  const chain = vm.str(NFTA_VERDICT.CHAIN) ?? '';
  switch (code) {
    case VERDICT_CODE.jump:
      return { verdict: { jump: chain } };
    case VERDICT_CODE.goto:
      return { verdict: { goto: chain } };
    default: {
      for (const [k, n] of Object.entries(VERDICT_CODE)) {
        if (n === code && k !== 'jump' && k !== 'goto') return { verdict: k as NftVerdict };
      }
      throw new Error(`unknown verdict code ${code}`);
    }
  }
}
