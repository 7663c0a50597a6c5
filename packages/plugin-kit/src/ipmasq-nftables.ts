// The nftables backend of ipMasq (pkg/ip/ipmasq_nftables_linux.go, v1.6.1+): table
// `inet cni_plugins_masquerade`, base chain `postrouting` (rewritten on every ADD) jumping to
// `masq_checks`, which holds one rule per container IP whose comment starts with a hash of
// network, interface and container ID, so that rules are found and deleted by comment.
import { goQuote } from '@cni-ts/cni';
import type { MasqTarget } from './_ipmasq';
import { formatHashWithPrefix } from './chain-name';
import type { ToolEnv } from './exec-tool';
import { familyOf, networkOf, splitCIDR } from './ip';
import { Nft, NftError, rulesOf } from './nft';

const TABLE = 'inet cni_plugins_masquerade';
const CHAIN = 'masq_checks';
const COMMENT_MAX = 128;

const hashForNetwork = (network: string) => formatHashWithPrefix(16, '', network);

/** The prefix of every comment of one attachment. */
export function hashForInstance(network: string, ifname: string, containerId: string): string {
  return `${hashForNetwork(network)}-${formatHashWithPrefix(16, '', `${ifname}:${containerId}`)}`;
}

/** `<hash>, net: <network>, if: <ifname>, id: <containerID>` (quotes removed, at most 128 bytes). */
export function commentForInstance(network: string, ifname: string, containerId: string): string {
  const strip = (s: string) => s.replaceAll('"', '');
  const c = `${hashForInstance(network, ifname, containerId)}, net: ${strip(network)}, if: ${strip(ifname)}, id: ${strip(containerId)}`;
  const bytes = Buffer.from(c);
  return bytes.length > COMMENT_MAX ? bytes.subarray(0, COMMENT_MAX).toString() : c;
}

/** Rules of masq_checks whose comment starts with `prefix` (none when the chain does not exist). */
function findRules(nft: Nft, prefix: string) {
  try {
    return rulesOf(nft.list('chain', ...TABLE.split(' '), CHAIN)).filter((r) => r.comment?.startsWith(prefix));
  } catch (err) {
    if (err instanceof NftError && err.notFound) return [];
    if (err instanceof NftError) throw new NftError(`failed to run nft: ${err.message}`, err.errno);
    throw err;
  }
}

/** setupIPMasqNFTables: one transaction creating the table/chains and replacing this attachment's rules. */
export function setupIPMasqNftables(t: MasqTarget, env: ToolEnv): void {
  const nft = Nft.open(env);
  const stale = findRules(nft, hashForInstance(t.network, t.ifname, t.containerId));
  const comment = goQuote(commentForInstance(t.network, t.ifname, t.containerId));
  const tx = [
    `add table ${TABLE} { comment "Masquerading for plugins from github.com/containernetworking/plugins" ; }`,
    `add chain ${TABLE} ${CHAIN} { comment "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet" ; }`,
    `add chain ${TABLE} postrouting { type nat hook postrouting priority 100 ; }`,
    `flush chain ${TABLE} postrouting`,
    `add rule ${TABLE} postrouting ip daddr == 224.0.0.0/4  return`,
    `add rule ${TABLE} postrouting ip6 daddr == ff00::/8  return`,
    `add rule ${TABLE} postrouting goto ${CHAIN}`,
    ...stale.map((r) => `delete rule ${TABLE} ${CHAIN} handle ${r.handle}`),
    ...t.ips.map((ipn) => {
      const ip = familyOf(ipn) === 4 ? 'ip' : 'ip6';
      return `add rule ${TABLE} ${CHAIN} ${ip} saddr == ${splitCIDR(ipn).ip} ${ip} daddr != ${networkOf(ipn)} masquerade comment ${comment}`;
    }),
  ];
  nft.apply(`${tx.join('\n')}\n`);
}

/** teardownIPMasqNFTables: deletes this attachment's rules by comment (addresses are not needed). */
export function teardownIPMasqNftables(t: MasqTarget, env: ToolEnv): void {
  const nft = Nft.open(env);
  const rules = findRules(nft, hashForInstance(t.network, t.ifname, t.containerId));
  if (rules.length === 0) return;
  nft.apply(`${rules.map((r) => `delete rule ${TABLE} ${CHAIN} handle ${r.handle}`).join('\n')}\n`);
}
