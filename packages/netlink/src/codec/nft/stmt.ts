// Statements, written as nft compiles them (see match.ts): verdicts, counters, NAT, marks,
// notrack, and the two pieces a service proxy is made of, `numgen random mod N vmap { ... }` and
// `update @set { ip saddr }`.
import { parseIP } from '../ip';
import { NF_NAT_RANGE, NFT_REG } from './constants';
import type { NftVerdict } from './data';
import type { NftExpr } from './expr';
import { hostU32, loadAddr, type NftSetHandle } from './match';
import type { NftFamily } from './nfgen';

const R1 = NFT_REG.R1;
const R2 = NFT_REG.R2;

/** `accept`, `drop`, `return`, `jump <chain>`, `goto <chain>` */
export function verdict(v: NftVerdict): NftExpr[] {
  return [{ type: 'immediate', dreg: NFT_REG.VERDICT, verdict: v }];
}

/** `counter` */
export function counter(): NftExpr[] {
  return [{ type: 'counter' }];
}

export interface MasqOptions {
  random?: boolean;
  fullyRandom?: boolean;
  persistent?: boolean;
}

/** `masquerade [random] [fully-random] [persistent]` */
export function masquerade(o: MasqOptions = {}): NftExpr[] {
  const flags =
    (o.random ? NF_NAT_RANGE.PROTO_RANDOM : 0) | (o.fullyRandom ? NF_NAT_RANGE.PROTO_RANDOM_FULLY : 0) | (o.persistent ? NF_NAT_RANGE.PERSISTENT : 0);
  return [flags ? { type: 'masq', flags } : { type: 'masq' }];
}

function nat(kind: 'snat' | 'dnat', family: NftFamily, address: string, port?: number): NftExpr[] {
  const ip = parseIP(address);
  const v = ip.length === 4 ? 'ip' : 'ip6';
  if (family !== 'inet' && family !== v) throw new TypeError(`${kind} to ${address} cannot go into a table of family ${family}`);
  const out: NftExpr[] = [{ type: 'immediate', dreg: R1, data: ip }];
  if (port === undefined) {
    out.push({ type: 'nat', nat: kind, family: v, regAddrMin: R1 });
    return out;
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`invalid port ${port}`);
  const p = Buffer.alloc(2);
  p.writeUInt16BE(port);
  out.push({ type: 'immediate', dreg: R2, data: p });
  out.push({ type: 'nat', nat: kind, family: v, regAddrMin: R1, regProtoMin: R2, flags: NF_NAT_RANGE.PROTO_SPECIFIED });
  return out;
}

/** `dnat to 10.1.2.3:80` / `dnat ip6 to [fd00::3]:80` (in an inet table the family is the address's). */
export const dnat = (family: NftFamily, address: string, port?: number): NftExpr[] => nat('dnat', family, address, port);
/** `snat to 10.1.2.3` */
export const snat = (family: NftFamily, address: string, port?: number): NftExpr[] => nat('snat', family, address, port);

/** `notrack` */
export function notrack(): NftExpr[] {
  return [{ type: 'notrack' }];
}

/** `meta mark set 0x4000` */
export function setMark(value: number): NftExpr[] {
  return [
    { type: 'immediate', dreg: R1, data: hostU32(value) },
    { type: 'meta', key: 'mark', sreg: R1 },
  ];
}

/** `numgen random mod N vmap <map>`: one of N verdicts at random (a map keyed 0..N-1). */
export function numgenVmap(modulus: number, map: NftSetHandle, mode: 'random' | 'inc' = 'random'): NftExpr[] {
  if (!Number.isInteger(modulus) || modulus < 1) throw new RangeError(`invalid numgen modulus ${modulus}`);
  return [
    { type: 'numgen', mode, modulus, dreg: R1, offset: 0 },
    { type: 'lookup', sreg: R1, dreg: NFT_REG.VERDICT, set: map.name, ...(map.id !== undefined && { setId: map.id }) },
  ];
}

/** `update @set { ip saddr }`: add the packet's address to a dynamic set, or refresh its timeout. */
export function updateSet(family: NftFamily, v: 4 | 6, field: 'saddr' | 'daddr', set: NftSetHandle, timeoutMs?: number): NftExpr[] {
  return [
    ...loadAddr(family, v, field),
    {
      type: 'dynset',
      op: 'update',
      sregKey: R1,
      set: set.name,
      ...(set.id !== undefined && { setId: set.id }),
      ...(timeoutMs !== undefined && { timeout: timeoutMs }),
    },
  ];
}
