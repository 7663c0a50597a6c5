// nf_tables tables (NFT_MSG_NEWTABLE / GETTABLE / DELTABLE). A table's comment lives in its
// userdata, as nft writes it.
import type { Attr } from '../attr';
import { NFTA_TABLE } from './constants';
import { be32, bodyAttrs, encodeNftBody, familyName, familyNumber, get, raw, str, type NftFamily } from './nfgen';
import { commentUserdata, userdataComment } from './udata';

export interface NftTable {
  family: NftFamily;
  name: string;
  /** NFT_TABLE_F_* (1 dormant, 2 owner). */
  flags?: number;
  comment?: string;
  /** reported by the kernel */
  handle?: number;
  /** number of chains and sets in it (reported by the kernel) */
  use?: number;
}

/** A table to add: name, flags (nft always sends them), comment. */
export function encodeTable(t: NftTable): Buffer {
  const ud = commentUserdata(t.comment);
  const attrs: Attr[] = [str(NFTA_TABLE.NAME, t.name), be32(NFTA_TABLE.FLAGS, t.flags ?? 0)];
  if (ud) attrs.push(raw(NFTA_TABLE.USERDATA, ud));
  return encodeNftBody(familyNumber(t.family), attrs);
}

/** A table by name (delete, get). Without a name: the family's tables (flush everything). */
export function encodeTableRef(family: NftFamily, name?: string): Buffer {
  return encodeNftBody(familyNumber(family), name === undefined ? [] : [str(NFTA_TABLE.NAME, name)]);
}

export function decodeTable(data: Buffer): NftTable {
  const { nfgen, attrs } = bodyAttrs(data);
  const t: NftTable = { family: familyName(nfgen.family), name: attrs.str(NFTA_TABLE.NAME) ?? '' };
  const flags = get.be32(attrs, NFTA_TABLE.FLAGS);
  if (flags !== undefined) t.flags = flags;
  const comment = userdataComment(attrs.get(NFTA_TABLE.USERDATA));
  if (comment !== undefined) t.comment = comment;
  const handle = get.be64(attrs, NFTA_TABLE.HANDLE);
  if (handle !== undefined) t.handle = handle;
  const use = get.be32(attrs, NFTA_TABLE.USE);
  if (use !== undefined) t.use = use;
  return t;
}
