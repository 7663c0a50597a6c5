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
import { isNotFound, NftTransaction, nftCommit, nftFindRules, nftMatch as m, nftStmt as s, type NftExpr, type NftRule } from '@cni-ts/netlink';
import { Nft, splitCIDR, type ToolEnv } from '@cni-ts/plugin-kit';
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

/** The container's rules in one chain (none when the table or chain does not exist). */
function rulesOf(fam: Fam, chain: string, containerId: string): NftRule[] {
  try {
    return nftFindRules({ family: fam, table: TABLE, name: chain }, containerId);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/** The transaction of one ADD for one container address. */
export function forwardTransaction(conf: PortMapConf, containerNet: string, withEntryRules = true): NftTransaction {
  const { ip, family } = splitCIDR(containerNet);
  const fam = famOf(family);
  const T = { family: fam, table: TABLE } as const;
  const entry = [...m.fibDaddrLocal(), ...s.verdict({ jump: HOSTPORTS_ALL })];
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
    tx.addRule({ ...T, chain: HOSTPORTS, comment: conf.containerId, exprs });
  }
  if (conf.snat) {
    const masqSrc = conf.masqAll ? (family === 6 ? '::/0' : '0.0.0.0/0') : ip;
    tx.addRule({ ...T, chain: MASQUERADING, comment: conf.containerId, exprs: [...m.addr(fam, 'saddr', masqSrc), ...m.addr(fam, 'daddr', ip), ...s.masquerade()] });
    if (family === 4 && !conf.masqAll) {
      tx.addRule({ ...T, chain: MASQUERADING, comment: conf.containerId, exprs: [...m.addr(fam, 'saddr', '127.0.0.1'), ...m.addr(fam, 'daddr', ip), ...s.masquerade()] });
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

    unforwardPorts(conf) {
      for (const fam of ['ip', 'ip6'] as const) {
        const tx = new NftTransaction();
        let n = 0;
        for (const chain of [HOSTPORTS, HOSTIP_HOSTPORTS, MASQUERADING]) {
          for (const r of rulesOf(fam, chain, conf.containerId)) {
            tx.deleteRule({ family: fam, table: TABLE, chain, handle: r.handle! });
            n++;
          }
        }
        if (n === 0) continue;
        try {
          nftCommit(tx);
        } catch (err) {
          throw new Error(`error deleting nftables rules: ${(err as Error).message}`, { cause: err });
        }
      }
    },
  };
}
