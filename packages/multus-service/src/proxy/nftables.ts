// The nftables backend (the default), through @cni-ts/netlink's nf_tables layer: one table
// `inet multus-proxy` per pod netns, written in one transaction per sync, as kube-proxy's
// nftables mode lays it out:
//
//   chain output { type nat hook output priority -100; ip daddr <vip> tcp dport <port> jump svc-... }
//   chain svc-<h>-<ns>/<svc>/<port> { [ip saddr @aff-<ep> goto ep-...]...  numgen random mod N vmap { 0 : goto ep-..., ... } }
//   chain ep-<h>-<ns>/<svc>/<port>__<ip>/<port> { [update @aff-<ep> { ip saddr }] meta l4proto tcp dnat ip to <ip>:<port> }
//   set aff-<h>-... { type ipv4_addr; flags dynamic,timeout; timeout <affinity>s }   (ClientIP affinity only)
//
// Each sync adds the chains and sets it wants (existing ones are kept, so affinity entries
// survive), flushes and refills every chain it wants, flushes and deletes the chains and sets it
// no longer wants, all in one batch the kernel applies whole or not at all. With nothing wanted
// the table goes. Established connections keep their translation (conntrack).
import { createHash } from 'node:crypto';
import { isNotFound, NftTransaction, nftMatch as m, nftSets as sets, nftStmt as s, openNetfilterHandle, type NftChain, type NftExpr, type NftSetHandle } from '@cni-ts/netlink';
import type { RuleBackend } from './backend';
import type { Backend, ServicePortPlan } from './plan';

export const NFT_TABLE = 'multus-proxy';
const T = { family: 'inet', table: NFT_TABLE } as const;

const hash = (x: string) => createHash('sha256').update(x).digest('base64url').replaceAll(/[-_]/g, '').slice(0, 8).toUpperCase();
/** nft's identifier alphabet ([A-Za-z0-9_./-]): an IPv6 address's colons become dots. */
const ident = (x: string) => x.replaceAll(/[^A-Za-z0-9_./-]/g, '.');

const portPart = (sp: ServicePortPlan) => {
  const slash = sp.name.lastIndexOf(':');
  const base = sp.name.slice(0, slash);
  const port = sp.name.slice(slash + 1) || String(sp.port);
  return `${base}/${port}`;
};
export const svcChainName = (sp: ServicePortPlan) => ident(`svc-${hash(`${sp.name} ${sp.protocol} ${sp.family}`)}-${portPart(sp)}`);
export const epChainName = (sp: ServicePortPlan, ep: Backend) => ident(`ep-${hash(`${sp.name} ${sp.protocol} ${ep.ip} ${ep.port}`)}-${portPart(sp)}__${ep.ip}/${ep.port}`);
export const affinitySetName = (sp: ServicePortPlan, ep: Backend) => ident(`aff-${hash(`${sp.name} ${sp.protocol} ${ep.ip} ${ep.port}`)}-${portPart(sp)}__${ep.ip}/${ep.port}`);

/** The transaction that takes a table holding `have` (chains and named sets) to `services`. */
export function nftTransaction(services: readonly ServicePortPlan[], have: { chains: string[]; sets: string[] }): NftTransaction {
  const tx = new NftTransaction();
  if (services.length === 0) {
    if (have.chains.length || have.sets.length) tx.deleteTable({ family: T.family, name: T.table });
    return tx;
  }
  tx.addTable({ family: T.family, name: T.table });
  const output: NftChain = { ...T, name: 'output', type: 'nat', hook: 'output', priority: -100 };
  const chains = new Map<string, NftExpr[][]>([['output', []]]);
  const wantSets = new Map<string, { sp: ServicePortPlan }>();
  for (const sp of services) {
    const svc = svcChainName(sp);
    chains.get('output')!.push([...m.addr('inet', 'daddr', sp.clusterIP), ...m.port(sp.protocol, 'dport', sp.port), ...s.verdict({ jump: svc })]);
    const svcRules: NftExpr[][] = [];
    chains.set(svc, svcRules);
    for (const ep of sp.endpoints) {
      const epChain = epChainName(sp, ep);
      const epRule: NftExpr[] = [];
      if (sp.affinitySeconds !== undefined) {
        const set = affinitySetName(sp, ep);
        wantSets.set(set, { sp });
        svcRules.push([...m.addrInSet('inet', sp.family, 'saddr', { name: set }), ...s.verdict({ goto: epChain })]);
        epRule.push(...s.updateSet('inet', sp.family, 'saddr', { name: set }));
      }
      epRule.push(...m.l4proto(sp.protocol), ...s.dnat('inet', ep.ip, ep.port));
      chains.set(epChain, [epRule]);
    }
  }
  // Chains and named sets first (a rule may only name what exists), each wanted chain emptied.
  tx.addChain(output);
  for (const name of chains.keys()) {
    if (name !== 'output') tx.addChain({ ...T, name });
    tx.flushChain({ ...T, name });
  }
  for (const [name, { sp }] of wantSets) tx.addSet(sets.affinitySet(T, name, sp.family, sp.affinitySeconds! * 1000));
  const staleChains = have.chains.filter((c) => !chains.has(c));
  for (const name of staleChains) tx.flushChain({ ...T, name });
  // The rules.
  for (const [chain, rules] of chains) for (const exprs of rules) tx.addRule({ ...T, chain, exprs });
  for (const sp of services) {
    if (sp.endpoints.length === 0) continue; // no endpoint: the cluster IP is left as it is
    const map: NftSetHandle = tx.addSet(sets.anonNumgenVmap(T, sp.endpoints.map((ep) => ({ goto: epChainName(sp, ep) }))));
    tx.addRule({ ...T, chain: svcChainName(sp), exprs: s.numgenVmap(sp.endpoints.length, map) });
  }
  // What is no longer wanted goes (nothing refers to it any more).
  for (const name of staleChains) tx.deleteChain({ ...T, name });
  for (const name of have.sets.filter((x) => !wantSets.has(x))) tx.deleteSet({ ...T, name });
  return tx;
}

export class NftablesBackend implements RuleBackend {
  readonly name = 'nftables';

  async sync(netnsPath: string, services: readonly ServicePortPlan[]): Promise<void> {
    const h = openNetfilterHandle(netnsPath);
    try {
      let have = { chains: [] as string[], sets: [] as string[] };
      try {
        have = {
          chains: h.nftListChains({ family: T.family, table: T.table }).map((c) => c.name),
          sets: h.nftListSets({ family: T.family, table: T.table }).flatMap((x) => (x.flags?.includes('anonymous') ? [] : [x.name])),
        };
      } catch (err) {
        if (!isNotFound(err)) throw err; // no table yet
      }
      const tx = nftTransaction(services, have);
      if (tx.size > 0) h.nftCommit(tx);
    } catch (err) {
      throw new Error(`nftables in ${netnsPath}: ${(err as Error).message}`, { cause: err });
    } finally {
      h.close();
    }
  }

  forget(): void {}
}
