// Comparing rules: what we send and what the kernel dumps back differ in details that do not
// change what the rule does (counter values, flags the kernel adds, transaction ids, the number
// the kernel gave an anonymous set, a protocol check nft leaves out because an earlier match made
// it). normalizeExprs drops those, so a CHECK can compare the
// expressions it would write with the ones it finds.
import { NF_NAT_RANGE } from './constants';
import type { NftExpr } from './expr';
import { dedupGuards } from './match';

const anon = (name: string): string => name.replace(/^(__set|__map)\d+$/, '$1%d');

/** The expressions with the kernel's and the transaction's incidental details removed. */
export function normalizeExprs(exprs: readonly NftExpr[]): NftExpr[] {
  return dedupGuards(exprs).map((e): NftExpr => {
    switch (e.type) {
      case 'counter':
        return { type: 'counter' };
      case 'bitwise': {
        const { op, ...rest } = e;
        return op === undefined || op === 'bool' ? rest : e;
      }
      case 'nat': {
        const n = { ...e };
        let flags = n.flags ?? 0;
        if (n.regAddrMin !== undefined) flags &= ~NF_NAT_RANGE.MAP_IPS;
        if (n.regProtoMin !== undefined) flags &= ~NF_NAT_RANGE.PROTO_SPECIFIED;
        if (n.regAddrMax === n.regAddrMin) delete n.regAddrMax;
        if (n.regProtoMax === n.regProtoMin) delete n.regProtoMax;
        if (flags) n.flags = flags;
        else delete n.flags;
        return n;
      }
      case 'lookup': {
        const { setId: _id, ...rest } = e;
        return { ...rest, set: anon(e.set), ...(e.invert && { invert: true }) };
      }
      case 'dynset': {
        const { setId: _id, ...rest } = e;
        const d: NftExpr = { ...rest, set: anon(e.set) };
        if (!d.timeout) delete d.timeout;
        if (!d.flags) delete d.flags;
        return d;
      }
      case 'numgen':
        return { ...e, offset: e.offset ?? 0 };
      default:
        return e;
    }
  });
}

const same = (a: unknown, b: unknown): boolean => {
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
};

/** True when two expression lists do the same (see normalizeExprs). */
export function exprsEqual(a: readonly NftExpr[], b: readonly NftExpr[]): boolean {
  const na = normalizeExprs(a);
  const nb = normalizeExprs(b);
  return na.length === nb.length && na.every((e, i) => same(e, nb[i]));
}
