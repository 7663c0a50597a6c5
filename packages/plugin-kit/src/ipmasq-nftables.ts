// The nftables backend of ipMasq (pkg/ip/ipmasq_nftables_linux.go, v1.6.1+): table
// `inet cni_plugins_masquerade`, base chain `postrouting` (rewritten on every ADD) jumping to
// `masq_checks`, which holds one rule per container IP whose comment starts with a hash of
// network, interface and container ID, so that rules are found and deleted by comment.
// Written through nf_tables netlink messages (@cni-ts/netlink), exactly as nft would write the
// rules upstream's knftables sends it: `nft list ruleset` shows the same, and no nft process runs.
import { NftTransaction, isNotFound, nftCommit, nftFindRules, nftMatch as m, nftStmt as s, type NftRule } from '@cni-ts/netlink';
import type { MasqTarget } from './_ipmasq';
import { formatHashWithPrefix, hashForNetwork } from './chain-name';
import type { ToolEnv } from './exec-tool';
import { networkOf, splitCIDR } from './ip';

const T = { family: 'inet', table: 'cni_plugins_masquerade' } as const;
const CHAIN = 'masq_checks';
const COMMENT_MAX = 128;

/** The prefix of every comment of one attachment. */
export function hashForInstance(network: string, ifname: string, containerId: string): string {
  return `${hashForNetwork(network)}-${formatHashWithPrefix(16, '', `${ifname}:${containerId}`)}`;
}

const strip = (str: string) => str.replaceAll('"', '');

/** `<hash>, net: <network>, if: <ifname>, id: <containerID>` (quotes removed, at most 128 bytes). */
export function commentForInstance(network: string, ifname: string, containerId: string): string {
  const c = `${hashForInstance(network, ifname, containerId)}, net: ${strip(network)}, if: ${strip(ifname)}, id: ${strip(containerId)}`;
  const bytes = Buffer.from(c);
  return bytes.length > COMMENT_MAX ? bytes.subarray(0, COMMENT_MAX).toString() : c;
}

/** Rules of masq_checks whose comment starts with `prefix` (none when the chain does not exist). */
function findRules(prefix: string): NftRule[] {
  try {
    return nftFindRules({ ...T, name: CHAIN }, (c) => c.startsWith(prefix));
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/**
 * setupIPMasqNFTables: one transaction creating the table/chains and replacing this attachment's
 * rules. (`env` served the nft binary's lookup; netlink needs none.)
 */
export function setupIPMasqNftables(t: MasqTarget, _env?: ToolEnv): void {
  const stale = findRules(hashForInstance(t.network, t.ifname, t.containerId));
  const comment = commentForInstance(t.network, t.ifname, t.containerId);
  const tx = new NftTransaction()
    .addTable({ family: T.family, name: T.table, comment: 'Masquerading for plugins from github.com/containernetworking/plugins' })
    .addChain({ ...T, name: CHAIN, comment: 'Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet' })
    .addChain({ ...T, name: 'postrouting', type: 'nat', hook: 'postrouting', priority: 100 })
    .flushChain({ ...T, name: 'postrouting' })
    .addRule({ ...T, chain: 'postrouting', exprs: [...m.addr(T.family, 'daddr', '224.0.0.0/4'), ...s.verdict('return')] })
    .addRule({ ...T, chain: 'postrouting', exprs: [...m.addr(T.family, 'daddr', 'ff00::/8'), ...s.verdict('return')] })
    .addRule({ ...T, chain: 'postrouting', exprs: s.verdict({ goto: CHAIN }) });
  for (const r of stale) tx.deleteRule({ ...T, chain: CHAIN, handle: r.handle! });
  for (const ipn of t.ips) {
    const exprs = [...m.addr(T.family, 'saddr', splitCIDR(ipn).ip), ...m.addr(T.family, 'daddr', networkOf(ipn), '!='), ...s.masquerade()];
    tx.addRule({ ...T, chain: CHAIN, comment, exprs });
  }
  nftCommit(tx);
}

/** teardownIPMasqNFTables: deletes this attachment's rules by comment (addresses are not needed). */
export function teardownIPMasqNftables(t: MasqTarget, _env?: ToolEnv): void {
  const rules = findRules(hashForInstance(t.network, t.ifname, t.containerId));
  if (rules.length === 0) return;
  const tx = new NftTransaction();
  for (const r of rules) tx.deleteRule({ ...T, chain: CHAIN, handle: r.handle! });
  nftCommit(tx);
}
