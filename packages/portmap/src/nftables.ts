// The nftables backend (portmap_nftables.go, v1.9.x): tables `ip cni_hostport` and
// `ip6 cni_hostport`, written through nf_tables netlink messages (@cni-ts/netlink) exactly as nft
// writes the transaction upstream's knftables sends it; no nft process runs, except for
// conditionsV4/V6 in nft syntax (free-form nft text: those two rules go through `nft -f -`).
//   hostports        one rule per mapping: [ip daddr <hostIP>] tcp dport 8080 dnat to <cIP>:80, comment = container ID
//   hostip_hostports legacy, kept empty
//   hostports_all    jump hostip_hostports; jump hostports (rewritten on every ADD)
//   prerouting       nat hook, dstnat: [conditions] fib daddr type local jump hostports_all (rewritten)
//   output           the same, output hook
//   masquerading     nat postrouting, srcnat: ip saddr <cIP> ip daddr <cIP> masquerade (+ 127.0.0.1 for IPv4)
// DEL removes the container's rules (by comment) from hostports, hostip_hostports and masquerading.
//
// cni-ts: every rule of an attachment also carries a tag, a userdata TLV after the comment that
// nft skips (`nft list` and upstream's knftables see exactly upstream's rule), naming the network
// (by hash) and the interface. With it GC can tell this network's rules from another network's of
// the same container, which the comment alone (the container ID) cannot; DEL leaves another
// network's rules alone. Untagged rules (written by the Go plugin) are DELeted as upstream does
// and never GCed.
import { isNotFound, NftTransaction, nftCommit, nftFindRules, nftListRules, nftMatch as m, nftStmt as s, type NftExpr, type NftRule, type Tlv } from '@cni-ts/netlink';
import { hashForNetwork, Nft, splitCIDR, type ToolEnv } from '@cni-ts/plugin-kit';
import type { PortMapConf } from './config';
import { hostIPApplies, type Mapper } from './mapper';

export const TABLE = 'cni_hostport';
const HOSTPORTS = 'hostports';
const HOSTIP_HOSTPORTS = 'hostip_hostports';
const HOSTPORTS_ALL = 'hostports_all';
const MASQUERADING = 'masquerading';
const DNAT_PRIORITY = -100;
const SNAT_PRIORITY = 100;

type Fam = 'ip' | 'ip6';
const famOf = (family: 4 | 6): Fam => (family === 4 ? 'ip' : 'ip6');

function l4(proto: string): 'tcp' | 'udp' | 'sctp' {
  if (proto === 'tcp' || proto === 'udp' || proto === 'sctp') return proto;
  throw new Error(`unsupported protocol ${JSON.stringify(proto)}`);
}

/** The userdata TLV type of the tag (nft knows types 0 and 1 of a rule; this is far from them). */
export const TAG_TLV = 0xc5;

/** The tag of one attachment's rules: `cni-ts net:<hash of the network> if:<ifname>`. */
export function attachmentTag(network: string, ifname: string): Tlv {
  return { type: TAG_TLV, value: Buffer.from(`cni-ts net:${hashForNetwork(network)} if:${ifname}\0`) };
}

/** What a rule's tag says (undefined for an untagged rule: the Go plugin's, or not ours). */
export function tagOf(r: NftRule): { net: string; ifname: string } | undefined {
  const t = r.tags?.find((x) => x.type === TAG_TLV);
  const m = t && /^cni-ts net:([0-9a-f]{16}) if:([^\0\s]*)\0?$/.exec(t.value.toString());
  return m ? { net: m[1]!, ifname: m[2]! } : undefined;
}

/** Every rule of one chain (none when the table or chain does not exist). */
function chainRules(fam: Fam, chain: string): NftRule[] {
  try {
    return nftListRules({ family: fam, table: TABLE, chain });
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/** One delete transaction per family for the rules `stale` picks in the container chains. */
function deleteRules(stale: (r: NftRule) => boolean, what: string): string[] {
  const errors: string[] = [];
  for (const fam of ['ip', 'ip6'] as const) {
    const tx = new NftTransaction();
    try {
      for (const chain of [HOSTPORTS, HOSTIP_HOSTPORTS, MASQUERADING]) {
        for (const r of chainRules(fam, chain)) if (stale(r)) tx.deleteRule({ family: fam, table: TABLE, chain, handle: r.handle! });
      }
      if (tx.size > 0) nftCommit(tx);
    } catch (err) {
      errors.push(`${what}: ${(err as Error).message}`);
    }
  }
  return errors;
}

/**
 * Spec 1.1 GC (upstream has none): removes this network's rules whose attachment (container ID
 * = the comment, interface = the tag) is not in `keep` (`<containerID>\0<ifname>`). Returns the
 * errors of each family.
 */
export function nftablesGc(network: string, keep: ReadonlySet<string>): string[] {
  const net = hashForNetwork(network);
  return deleteRules((r) => {
    const tag = tagOf(r);
    return tag !== undefined && tag.net === net && r.comment !== undefined && !keep.has(`${r.comment}\0${tag.ifname}`);
  }, 'error deleting nftables rules');
}

/** The transaction of one ADD for one container address. */
export function forwardTransaction(conf: PortMapConf, containerNet: string, withEntryRules = true): NftTransaction {
  const { ip, family } = splitCIDR(containerNet);
  const fam = famOf(family);
  const T = { family: fam, table: TABLE } as const;
  const entry = [...m.fibDaddrLocal(), ...s.verdict({ jump: HOSTPORTS_ALL })];
  const tags = [attachmentTag(conf.name, conf.ifname)];
  const tx = new NftTransaction()
    .addTable({ family: fam, name: TABLE, comment: 'CNI portmap plugin' })
    .addChain({ ...T, name: HOSTPORTS })
    .addChain({ ...T, name: HOSTIP_HOSTPORTS })
    .addChain({ ...T, name: HOSTPORTS_ALL })
    .flushChain({ ...T, name: HOSTPORTS_ALL })
    .addRule({ ...T, chain: HOSTPORTS_ALL, exprs: s.verdict({ jump: HOSTIP_HOSTPORTS }) })
    .addRule({ ...T, chain: HOSTPORTS_ALL, exprs: s.verdict({ jump: HOSTPORTS }) })
    .addChain({ ...T, name: 'prerouting', type: 'nat', hook: 'prerouting', priority: DNAT_PRIORITY });
  if (withEntryRules) tx.flushChain({ ...T, name: 'prerouting' }).addRule({ ...T, chain: 'prerouting', exprs: entry });
  tx.addChain({ ...T, name: 'output', type: 'nat', hook: 'output', priority: DNAT_PRIORITY });
  if (withEntryRules) tx.flushChain({ ...T, name: 'output' }).addRule({ ...T, chain: 'output', exprs: entry });
  if (conf.snat) tx.addChain({ ...T, name: MASQUERADING, type: 'nat', hook: 'postrouting', priority: SNAT_PRIORITY });
  for (const e of conf.portMappings) {
    const hostIP = hostIPApplies(e.hostIP, family);
    if (hostIP === false) continue;
    const exprs: NftExpr[] = [...(hostIP ? m.addr(fam, 'daddr', hostIP) : []), ...m.port(l4(e.protocol), 'dport', e.hostPort), ...s.dnat(fam, ip, e.containerPort)];
    tx.addRule({ ...T, chain: HOSTPORTS, comment: conf.containerId, tags, exprs });
  }
  if (conf.snat) {
    const masqSrc = conf.masqAll ? (family === 6 ? '::/0' : '0.0.0.0/0') : ip;
    tx.addRule({ ...T, chain: MASQUERADING, comment: conf.containerId, tags, exprs: [...m.addr(fam, 'saddr', masqSrc), ...m.addr(fam, 'daddr', ip), ...s.masquerade()] });
    if (family === 4 && !conf.masqAll) {
      tx.addRule({ ...T, chain: MASQUERADING, comment: conf.containerId, tags, exprs: [...m.addr(fam, 'saddr', '127.0.0.1'), ...m.addr(fam, 'daddr', ip), ...s.masquerade()] });
    }
  }
  return tx;
}

/** The prerouting/output rules with nft-syntax conditions, as the nft script knftables writes. */
export function conditionsScript(fam: Fam, conditions: readonly string[]): string {
  const lines: string[] = [];
  for (const chain of ['prerouting', 'output']) {
    lines.push(`flush chain ${fam} ${TABLE} ${chain}`, `add rule ${fam} ${TABLE} ${chain} ${[...conditions, 'fib daddr type local', 'jump', HOSTPORTS_ALL].join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

export function nftablesMapper(env: ToolEnv): Mapper {
  return {
    forwardPorts(conf, containerNet) {
      const family = splitCIDR(containerNet).family;
      const conditions = (family === 6 ? conf.conditionsV6 : conf.conditionsV4) ?? [];
      try {
        nftCommit(forwardTransaction(conf, containerNet, conditions.length === 0));
        if (conditions.length > 0) Nft.open(env).apply(conditionsScript(famOf(family), conditions));
      } catch (err) {
        throw new Error(`unable to set up nftables rules for port mappings: ${(err as Error).message}`, { cause: err });
      }
    },

    checkPorts(conf, containerNet) {
      const family = splitCIDR(containerNet).family;
      const fam = famOf(family);
      const hostPorts = conf.portMappings.filter((e) => hostIPApplies(e.hostIP, family) !== false).length;
      const masq = conf.snat ? (family === 4 && !conf.masqAll ? 2 : 1) : 0;
      for (const [chain, want] of [
        [HOSTPORTS, hostPorts],
        [MASQUERADING, masq],
      ] as const) {
        if (want === 0) continue;
        let found: number;
        try {
          found = nftFindRules({ family: fam, table: TABLE, name: chain }, conf.containerId).length;
        } catch (err) {
          throw new Error(isNotFound(err) ? `${fam} ${TABLE} ${chain}: no such chain` : (err as Error).message, { cause: err });
        }
        if (found < want) throw new Error(`missing hostport rules in ${JSON.stringify(chain)} chain`);
      }
    },

    // upstream: every rule whose comment is the container ID; here not another network's (by its tag)
    unforwardPorts(conf) {
      const net = hashForNetwork(conf.name);
      const errors = deleteRules((r) => r.comment === conf.containerId && (tagOf(r)?.net ?? net) === net, 'error deleting nftables rules');
      if (errors.length > 0) throw new Error(errors.join('; '));
    },
  };
}
