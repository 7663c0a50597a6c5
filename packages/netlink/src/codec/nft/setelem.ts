// Set elements (NFT_MSG_NEWSETELEM / GETSETELEM / DELSETELEM): keys, map data or verdicts,
// per-element timeouts. Interval sets hold each range as a start element and an end element
// flagged NFT_SET_ELEM_INTERVAL_END (the key after the range), as nft writes them.
import { AttrMap, type Attr } from '../attr';
import { NFT_SET_ELEM_INTERVAL_END, NFTA_LIST_ELEM, NFTA_SET_ELEM, NFTA_SET_ELEM_LIST, UDATA } from './constants';
import { dataValue, dataVerdict, decodeData, type NftVerdict } from './data';
import { be32, be64, bodyAttrs, encodeNftBody, familyName, familyNumber, get, nest, raw, str, type NftFamily } from './nfgen';
import { encodeTlvs, commentTlv, userdataComment } from './udata';

export interface NftSetElem {
  key: Buffer;
  /** maps: the value, or a verdict (verdict maps) */
  data?: Buffer;
  verdict?: NftVerdict;
  /** interval sets: this element ends a range */
  intervalEnd?: boolean;
  /** ms; the set's default when absent */
  timeout?: number;
  /** ms left (reported by the kernel) */
  expiration?: number;
  comment?: string;
}

/** Which set: by name, and by transaction id when it is created in the same batch. */
export interface NftElemsTarget {
  family: NftFamily;
  table: string;
  set: string;
  setId?: number;
}

/**
 * One element, in libnftnl's order: flags, timeout, key, data, userdata. libnftnl numbers the
 * list entries 1, 2, 3, ... (the kernel ignores the type), so we do too.
 */
function encodeElem(e: NftSetElem, i: number): Attr {
  const attrs: Attr[] = [];
  if (e.intervalEnd) attrs.push(be32(NFTA_SET_ELEM.FLAGS, NFT_SET_ELEM_INTERVAL_END));
  if (e.timeout !== undefined) attrs.push(be64(NFTA_SET_ELEM.TIMEOUT, e.timeout));
  attrs.push(dataValue(NFTA_SET_ELEM.KEY, e.key));
  if (e.verdict !== undefined) attrs.push(dataVerdict(NFTA_SET_ELEM.DATA, e.verdict));
  else if (e.data !== undefined) attrs.push(dataValue(NFTA_SET_ELEM.DATA, e.data));
  if (e.comment !== undefined) attrs.push(raw(NFTA_SET_ELEM.USERDATA, encodeTlvs([commentTlv(e.comment, UDATA.SET_ELEM_COMMENT)])));
  return nest(NFTA_LIST_ELEM + i, attrs);
}

/** Elements to add or delete: table, set, set id, elements. */
export function encodeSetElems(t: NftElemsTarget, elems: readonly NftSetElem[]): Buffer {
  const attrs: Attr[] = [str(NFTA_SET_ELEM_LIST.TABLE, t.table), str(NFTA_SET_ELEM_LIST.SET, t.set)];
  if (t.setId !== undefined) attrs.push(be32(NFTA_SET_ELEM_LIST.SET_ID, t.setId));
  attrs.push(nest(NFTA_SET_ELEM_LIST.ELEMENTS, elems.map(encodeElem)));
  return encodeNftBody(familyNumber(t.family), attrs);
}

/** All elements of a set (flush, dump): set, then table, as nft sends them. */
export function encodeSetElemsRef(t: NftElemsTarget): Buffer {
  return encodeNftBody(familyNumber(t.family), [str(NFTA_SET_ELEM_LIST.SET, t.set), str(NFTA_SET_ELEM_LIST.TABLE, t.table)]);
}

/** A NEWSETELEM message of a dump: its set and elements. */
export function decodeSetElems(data: Buffer): { target: NftElemsTarget; elems: NftSetElem[] } {
  const { nfgen, attrs } = bodyAttrs(data);
  const target: NftElemsTarget = {
    family: familyName(nfgen.family),
    table: attrs.str(NFTA_SET_ELEM_LIST.TABLE) ?? '',
    set: attrs.str(NFTA_SET_ELEM_LIST.SET) ?? '',
  };
  const elems: NftSetElem[] = [];
  const list = attrs.get(NFTA_SET_ELEM_LIST.ELEMENTS);
  for (const { data: elem } of list ? new AttrMap(list).list : []) {
    const m = new AttrMap(elem);
    const key = m.get(NFTA_SET_ELEM.KEY);
    const kd = key ? decodeData(key) : undefined;
    const e: NftSetElem = { key: kd && 'value' in kd ? kd.value : Buffer.alloc(0) };
    const d = m.get(NFTA_SET_ELEM.DATA);
    if (d) {
      const dd = decodeData(d);
      if ('value' in dd) e.data = dd.value;
      else e.verdict = dd.verdict;
    }
    if ((get.be32(m, NFTA_SET_ELEM.FLAGS) ?? 0) & NFT_SET_ELEM_INTERVAL_END) e.intervalEnd = true;
    const timeout = get.be64(m, NFTA_SET_ELEM.TIMEOUT);
    if (timeout !== undefined) e.timeout = timeout;
    const expiration = get.be64(m, NFTA_SET_ELEM.EXPIRATION);
    if (expiration !== undefined) e.expiration = expiration;
    const comment = userdataComment(m.get(NFTA_SET_ELEM.USERDATA), UDATA.SET_ELEM_COMMENT);
    if (comment !== undefined) e.comment = comment;
    elems.push(e);
  }
  return { target, elems };
}
