// nf_tables through netlink against the real kernel and the real nft: each ruleset of
// scripts/capture-nft.mjs is applied with `nft -f` in one namespace and with our transactions in
// another, and `nft --json list ruleset` must be identical after every step.
import { describe, expect, it } from 'vitest';
import { checkLeaks, must, testEnv } from '@cni-ts/testkit';
import * as fx from '../src/codec/nft/fixtures/captured';
import { SCENARIOS } from '../src/codec/nft/fixtures/scenarios';
import {
  NFT_TYPE,
  NetlinkError,
  NftTransaction,
  isGenerationChanged,
  isExist,
  isNotFound,
  nftCommit,
  nftExprsEqual,
  nftListTables,
  nftMatch as m,
  nftStmt as s,
  openNetfilterHandle,
  withNetns,
} from '../src/index';

// Element expiry counts down between the two listings: leave it out.
const nftJson = (ns: string) => {
  const out = must('ip', ['netns', 'exec', ns, 'nft', '--json', 'list', 'ruleset']);
  const doc = JSON.parse(out, (k, v: unknown) => (k === 'expires' ? undefined : v)) as { nftables: Record<string, unknown>[] };
  return doc.nftables.filter((o) => !('metainfo' in o));
};
const nftText = (ns: string) => must('ip', ['netns', 'exec', ns, 'nft', 'list', 'ruleset']).replace(/ expires \S+/g, '');

describe('nf_tables over netlink', () => {
  checkLeaks();

  it('builds the rulesets of ipMasq, portmap and a service proxy exactly as nft -f does', () => {
    const env = testEnv();
    const theirs = env.host;
    const ours = env.container;
    const h = openNetfilterHandle(ours.path);
    try {
      for (const [name, build] of Object.entries(SCENARIOS)) {
        must('ip', ['netns', 'exec', theirs.name, 'nft', '-f', '-'], fx[name as keyof typeof SCENARIOS].script);
        h.nftCommit(build());
        expect(nftText(ours.name), name).toBe(nftText(theirs.name));
        expect(nftJson(ours.name), name).toEqual(nftJson(theirs.name));
      }
      expect(nftText(ours.name)).toContain('table ip svc');
    } finally {
      h.close();
    }
  });

  it('reports refusals as typed errors and applies all commands or none', () => {
    const env = testEnv();
    const h = openNetfilterHandle(env.host.path);
    try {
      const T = { family: 'inet', table: 'cnits_t' } as const;
      h.nftCommit(new NftTransaction().addTable({ family: 'inet', name: 'cnits_t' }).addChain({ ...T, name: 'c' }));

      let err: unknown;
      try {
        h.nftCommit(new NftTransaction().addChain({ ...T, name: 'c' }, { exclusive: true }));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NetlinkError);
      expect(isExist(err)).toBe(true);
      expect(err).toMatchObject({ code: 'EEXIST', op: 'adding nftables chain', object: '"inet cnits_t c"' });

      try {
        h.nftCommit(new NftTransaction().deleteRule({ ...T, chain: 'c', handle: 999 }));
      } catch (e) {
        err = e;
      }
      expect(isNotFound(err)).toBe(true);
      expect((err as Error).message).toMatch(/^ENOENT deleting nftables rule "inet cnits_t c handle 999": no such file or directory/);

      // The first two commands would succeed; the third fails: nothing is applied.
      const before = nftText(env.host.name);
      expect(() =>
        h.nftCommit(
          new NftTransaction()
            .addChain({ ...T, name: 'd' })
            .addRule({ ...T, chain: 'd', exprs: s.verdict('accept') })
            .deleteChain({ ...T, name: 'missing' }),
        ),
      ).toThrow(/ENOENT deleting nftables chain "inet cnits_t missing"/);
      expect(nftText(env.host.name)).toBe(before);

      // Two refusals: the first is thrown, the other is its cause.
      try {
        h.nftCommit(new NftTransaction().deleteChain({ ...T, name: 'x1' }).deleteChain({ ...T, name: 'x2' }));
      } catch (e) {
        err = e;
      }
      expect((err as Error).message).toContain('"inet cnits_t x1"');
      expect(((err as Error).cause as AggregateError).errors[0].message).toContain('"inet cnits_t x2"');

      // A jump to a missing chain, with the kernel's extended ACK offset.
      expect(() => h.nftCommit(new NftTransaction().addRule({ ...T, chain: 'c', exprs: s.verdict({ jump: 'nowhere' }) }))).toThrow(/^ENOENT adding nftables rule/);

      // Generation checks: a commit based on a stale read is refused with ERESTART.
      const gen = h.nftGenId();
      h.nftCommit(new NftTransaction().addChain({ ...T, name: 'e' }));
      expect(h.nftGenId()).toBeGreaterThan(gen);
      try {
        h.nftCommit(new NftTransaction().addChain({ ...T, name: 'f' }), { genid: gen });
      } catch (e) {
        err = e;
      }
      expect(isGenerationChanged(err)).toBe(true);
      h.nftCommit(new NftTransaction().addChain({ ...T, name: 'f' }), { genid: h.nftGenId() });
      expect(h.nftListChains({ family: 'inet', table: 'cnits_t' }).map((c) => c.name)).toEqual(['c', 'e', 'f']);
    } finally {
      h.close();
    }
  });

  it('commits a transaction of 5 000 rules in one batch; a refused one of that size fails cleanly', () => {
    const env = testEnv();
    const h = openNetfilterHandle(env.host.path);
    try {
      const T = { family: 'ip', table: 'cnits_big' } as const;
      const big = (chain: string) => {
        const tx = new NftTransaction();
        for (let i = 0; i < 5000; i++) {
          tx.addRule({ ...T, chain, comment: `r${i}`, exprs: [...m.port('tcp', 'dport', (i % 65535) + 1), ...s.dnat('ip', '10.0.0.1', 80)] });
        }
        return tx;
      };
      h.nftCommit(new NftTransaction().addTable({ family: 'ip', name: T.table }).addChain({ ...T, name: 'c' }));
      h.nftCommit(big('c'));
      expect(h.nftListRules({ ...T, chain: 'c' })).toHaveLength(5000);
      // 5 000 refusals overflow the socket: still an error of the first command, and the socket
      // stays usable.
      expect(() => h.nftCommit(big('missing'))).toThrow(/^ENOENT adding nftables rule "ip cnits_big missing"/);
      h.nftCommit(new NftTransaction().deleteTable({ family: 'ip', name: T.table }));
      expect(h.nftListTables()).toEqual([]);
    } finally {
      h.close();
    }
  });

  it('lists tables, chains, rules (found by comment), sets and elements', () => {
    const env = testEnv();
    const h = openNetfilterHandle(env.host.path);
    try {
      h.nftCommit(SCENARIOS.service());
      h.nftCommit(SCENARIOS.portmapIp());
      expect(h.nftListTables().map((t) => `${t.family} ${t.name}`)).toEqual(['ip svc', 'ip cni_hostport']);
      expect(h.nftListTables('ip6')).toEqual([]);
      expect(h.nftListTables('ip').find((t) => t.name === 'cni_hostport')).toMatchObject({ comment: 'CNI portmap plugin' });
      const chains = h.nftListChains({ family: 'ip', table: 'cni_hostport' });
      expect(chains.map((c) => c.name)).toEqual(['hostports', 'hostip_hostports', 'hostports_all', 'prerouting', 'output', 'masquerading']);
      expect(chains[3]).toMatchObject({ type: 'nat', hook: 'prerouting', priority: -100, policy: 'accept' });

      const HP = { family: 'ip', table: 'cni_hostport', name: 'hostports' } as const;
      const found = h.nftFindRules(HP, 'abc123');
      expect(found).toHaveLength(2);
      expect(found.every((r) => r.handle! > 0 && r.chain === 'hostports')).toBe(true);
      expect(h.nftFindRules(HP, (c) => c.startsWith('abc'))).toHaveLength(2);
      expect(h.nftFindRules(HP, 'other')).toEqual([]);
      expect(h.nftListRules({ family: 'ip', table: 'cni_hostport' }).length).toBe(8);
      expect(() => h.nftListRules({ family: 'ip', table: 'cni_hostport', chain: 'nope' })).toThrow(/^ENOENT listing nftables rules "ip cni_hostport nope"/);
      expect(() => h.nftListRules({ family: 'ip6', table: 'cni_hostport' })).toThrow(/^ENOENT/);
      // an empty chain that exists is fine
      expect(h.nftListRules({ family: 'ip', table: 'cni_hostport', chain: 'hostip_hostports' })).toEqual([]);

      // CHECK: what we would write does what the kernel has (counters, kernel-added flags aside)
      const want = [...m.port('tcp', 'dport', 8080), ...s.dnat('ip', '172.16.30.2', 80)];
      expect(nftExprsEqual(found[0]!.exprs, want)).toBe(true);
      expect(nftExprsEqual(found[1]!.exprs, want)).toBe(false);

      const sets = h.nftListSets({ family: 'ip', table: 'svc' });
      expect(sets.filter((x) => !x.name.startsWith('__')).map((x) => x.name)).toEqual(['aff-a', 'aff-b']);
      const aff = h.nftListElements({ family: 'ip', table: 'svc', name: 'aff-a' });
      expect(aff.map((e) => e.key.toString('hex'))).toEqual(['0a000009']);
      expect(() => h.nftListElements({ family: 'ip', table: 'svc', name: 'nope' })).toThrow(/^ENOENT/);

      // Elements are added and deleted in place: the rules that refer to the set stay as they are.
      const T = { family: 'ip', table: 'svc', set: 'aff-b' } as const;
      h.nftCommit(new NftTransaction().addElements(T, [{ key: m.addrBytes('10.9.0.1') }, { key: m.addrBytes('10.9.0.2'), timeout: 60_000 }]));
      expect(h.nftListElements({ family: 'ip', table: 'svc', name: 'aff-b' }).map((e) => e.key.toString('hex')).toSorted()).toEqual(['0a090001', '0a090002']);
      h.nftCommit(new NftTransaction().deleteElements(T, [{ key: m.addrBytes('10.9.0.1') }]));
      expect(h.nftListElements({ family: 'ip', table: 'svc', name: 'aff-b' }).map((e) => e.key.toString('hex'))).toEqual(['0a090002']);

      h.nftCommit(new NftTransaction().deleteTable({ family: 'ip', name: 'svc' }).deleteTable({ family: 'ip', name: 'cni_hostport' }));
      expect(h.nftListTables()).toEqual([]);
    } finally {
      h.close();
    }
  });

  it('module-level functions work on the namespace the thread is in', () => {
    const env = testEnv();
    withNetns(env.host.path, () => {
      const tx = new NftTransaction().addTable({ family: 'ip6', name: 'cnits_here' });
      const set = tx.addSet({ family: 'ip6', table: 'cnits_here', name: 'addrs', keyType: NFT_TYPE.ipv6_addr, keyLen: 16, keyByteorder: 'big' });
      tx.addElements({ family: 'ip6', table: 'cnits_here', set: set.name, setId: set.id }, [{ key: m.addrBytes('fd00::1') }]);
      nftCommit(tx);
      expect(nftListTables().map((t) => t.name)).toEqual(['cnits_here']);
    });
    expect(nftText(env.host.name)).toMatch(/table ip6 cnits_here \{\n\tset addrs \{\n\t\ttype ipv6_addr\n\t\telements = \{ fd00::1 \}/);
    // back in our own namespace: its socket, not the one opened inside
    expect(nftListTables().some((t) => t.name === 'cnits_here')).toBe(false);
  });
});
