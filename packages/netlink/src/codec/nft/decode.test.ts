import { describe, expect, it } from 'vitest';
import { parseNlmsgs } from '../nlmsg';
import { decodeConntrack, encodeConntrackDelete, encodeConntrackDump } from '../conntrack';
import { AttrMap } from '../attr';
import { decodeChain } from './chain';
import { exprsEqual } from './compare';
import { NFT_MSG } from './constants';
import * as fx from './fixtures/captured';
import { SCENARIOS } from './fixtures/scenarios';
import { decodeRule, type NftRule } from './rule';
import { decodeSet } from './set';
import { decodeSetElems } from './setelem';
import { decodeTable } from './table';

const msgs = (hexes: readonly string[]) => hexes.map((h) => parseNlmsgs(Buffer.from(h, 'hex'))[0]!);
const ofType = (hexes: readonly string[], t: number) => msgs(hexes).filter((m) => (m.type & 0xff) === t);

/** The rules a scenario's transaction adds, per chain, in order (flushes and deletes ignored). */
function rulesOf(name: keyof typeof SCENARIOS): Map<string, NftRule[]> {
  const out = new Map<string, NftRule[]>();
  for (const c of SCENARIOS[name]().commands) {
    if ((c.type & 0xff) !== NFT_MSG.NEWRULE) continue;
    const r = decodeRule(c.body);
    const key = `${r.family} ${r.table} ${r.chain}`;
    out.set(key, [...(out.get(key) ?? []), r]);
  }
  return out;
}

describe('decoding what the kernel dumps (nft list ruleset)', () => {
  for (const name of ['ipmasqAdd', 'portmapIp', 'service'] as const) {
    it(`${name}: every rule we would add is found, with its handle and comment`, () => {
      const dumped = ofType(fx[name].dump!, NFT_MSG.NEWRULE).map((m) => decodeRule(m.data));
      for (const [chain, want] of rulesOf(name)) {
        const got = dumped.filter((r) => `${r.family} ${r.table} ${r.chain}` === chain);
        expect(got.length, chain).toBe(want.length);
        got.forEach((r, i) => {
          expect(r.handle, chain).toBeGreaterThan(0);
          expect(r.comment, chain).toBe(want[i]!.comment);
          expect(exprsEqual(r.exprs, want[i]!.exprs), `${chain} #${i}`).toBe(true);
        });
      }
    });
  }

  it('tables and chains: comments, hooks, priorities, types', () => {
    const dump = fx.service.dump!;
    const tables = ofType(dump, NFT_MSG.NEWTABLE).map((m) => decodeTable(m.data));
    expect(tables.find((t) => t.name === 'cni_plugins_masquerade')).toMatchObject({
      family: 'inet',
      comment: 'Masquerading for plugins from github.com/containernetworking/plugins',
      flags: 0,
    });
    expect(tables.find((t) => t.family === 'ip6' && t.name === 'cni_hostport')).toMatchObject({ comment: 'CNI portmap plugin' });
    const chains = ofType(dump, NFT_MSG.NEWCHAIN).map((m) => decodeChain(m.data));
    expect(chains.find((c) => c.table === 'svc' && c.name === 'raw')).toMatchObject({ type: 'filter', hook: 'prerouting', priority: -300, policy: 'accept' });
    expect(chains.find((c) => c.table === 'svc' && c.name === 'output')).toMatchObject({ type: 'nat', hook: 'output', priority: -100 });
    const checks = chains.find((c) => c.name === 'masq_checks')!;
    expect(checks.comment).toBe('Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet');
    expect(checks.hook).toBeUndefined();
    expect(checks.handle).toBeGreaterThan(0);
  });

  it('sets: named dynamic sets with timeouts, anonymous sets and maps, their elements', () => {
    const dump = fx.service.dump!;
    const sets = ofType(dump, NFT_MSG.NEWSET).map((m) => decodeSet(m.data));
    expect(sets.find((s) => s.name === 'aff-a')).toMatchObject({ flags: ['timeout', 'dynamic'], keyType: 7, keyLen: 4, timeout: 10_800_000, keyByteorder: 'big' });
    const anon = sets.filter((s) => s.table === 'svc' && s.name.startsWith('__'));
    expect(anon.map((s) => s.name).toSorted()).toEqual(['__map0', '__set0', '__set1']);
    expect(anon.find((s) => s.name === '__map0')).toMatchObject({ flags: ['anonymous', 'constant'], dataType: 'verdict', keyByteorder: 'host' });
    expect(anon.find((s) => s.name === '__set1')?.flags).toEqual(['anonymous', 'constant', 'interval']);

    const elems = ofType(dump, NFT_MSG.NEWSETELEM).map((m) => decodeSetElems(m.data));
    const of = (set: string) => elems.filter((e) => e.target.table === 'svc' && e.target.set === set).flatMap((e) => e.elems);
    expect(of('__map0').map((e) => e.verdict)).toEqual(expect.arrayContaining([{ goto: 'ep-a' }, { goto: 'ep-b' }]));
    const aff = of('aff-a');
    expect(aff).toHaveLength(1);
    expect(aff[0]!.key.toString('hex')).toBe('0a000009');
    expect(aff[0]!.timeout).toBe(10_000);
    expect(aff[0]!.expiration).toBeGreaterThan(0);
    const intervals = of('__set1').map((e) => `${e.intervalEnd ? 'end ' : ''}${e.key.toString('hex')}`);
    expect(intervals.toSorted()).toEqual(['0a000000', 'c0a80000', 'end 00000000', 'end 0b000000', 'end c0a90000']);
  });
});

describe('ctnetlink', () => {
  const ct = fx.conntrack;

  it('the dump request is what conntrack -L sends', () => {
    expect(encodeConntrackDump().toString('hex')).toBe(ct.dumpRequest.slice(32));
  });

  it('decodes entries: tuples, ports, id, mark, timeout', () => {
    const entries = msgs(ct.dumpReplies).map((m) => decodeConntrack(m.data));
    expect(entries.map((e) => e.orig.dport).toSorted()).toEqual([5353, 5354]);
    const e = entries.find((x) => x.orig.dport === 5353)!;
    expect(e).toMatchObject({
      family: 4,
      orig: { src: '10.250.0.2', dst: '10.250.0.1', proto: 17, sport: 40053, dport: 5353 },
      reply: { src: '10.250.0.1', dst: '10.250.0.2', proto: 17, sport: 5353, dport: 40053 },
      mark: 0,
    });
    expect(e.id).toBeGreaterThan(0);
    expect(e.timeout).toBeGreaterThan(0);
  });

  it('a delete names the entry by the original tuple conntrack -D sends, and its id', () => {
    const e = msgs(ct.dumpReplies)
      .map((m) => decodeConntrack(m.data))
      .find((x) => x.orig.dport === 5353)!;
    const theirs = new AttrMap(msgs([ct.deleteRequest])[0]!.data.subarray(4));
    const ours = new AttrMap(encodeConntrackDelete(e).subarray(4));
    expect(ours.get(1)!.toString('hex')).toBe(theirs.get(1)!.toString('hex'));
    expect(ours.get(12)!.readUInt32BE(0)).toBe(e.id);
    expect(encodeConntrackDelete(e).readUInt8(0)).toBe(2);
  });
});
