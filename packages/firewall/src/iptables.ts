// The iptables backend (iptables.go) and the ingress policies (ingresspolicy.go), filter table:
//   FORWARD (first):   -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD
//   CNI-FORWARD (first): -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN
//   CNI-FORWARD:       per container address -d <ip>/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
//                                            -s <ip>/32 -j ACCEPT
//   same-bridge/isolated: FORWARD -> CNI-ISOLATION-STAGE-1 (traffic leaving the bridge for elsewhere
//   goes to STAGE-2, which drops what enters another such bridge; isolated also drops bridge to itself)
// Upstream runs one iptables process per check and change; here one iptables-save and one
// iptables-restore batch per family. Chains are never removed (other containers use them).
import { IptablesBatch, RestoreScript, type SavedTable, type ToolEnv } from '@cni-ts/plugin-kit';
import { hostPrefix, type FirewallConf } from './config';
import type { Backend } from './backend';

const FILTER = 'filter';
const PRIV = 'CNI-FORWARD';
const STAGE1 = 'CNI-ISOLATION-STAGE-1';
const STAGE2 = 'CNI-ISOLATION-STAGE-2';

const filterRule = () => ['-m', 'comment', '--comment', 'CNI firewall plugin rules', '-j', PRIV];
const adminRule = (admin: string) => ['-m', 'comment', '--comment', 'CNI firewall plugin admin overrides', '-j', admin];
const privRules = (ip: string) => [
  ['-d', ip, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
  ['-s', ip, '-j', 'ACCEPT'],
];

const familyOfCidr = (cidr: string): 4 | 6 => (cidr.includes(':') ? 6 : 4);

/** The per-address rules of one family, in result order. */
function rulesFor(conf: FirewallConf, family: 4 | 6): string[][] {
  return (conf.result.ips ?? []).filter((ip) => familyOfCidr(ip.address) === family).flatMap((ip) => privRules(hostPrefix(ip.address)));
}

/** Go's %v of a []string. */
const v = (rule: readonly string[]) => `[${rule.join(' ')}]`;

function ensureChain(saved: SavedTable, s: RestoreScript, chain: string): void {
  if (!saved.hasChain(chain)) s.declare(chain);
}

/** newIptablesBackend: both iptables and ip6tables tools must be there, even for DEL. */
function openBoth(env: ToolEnv): Record<4 | 6, IptablesBatch> {
  const out = {} as Record<4 | 6, IptablesBatch>;
  for (const family of [4, 6] as const) {
    try {
      out[family] = IptablesBatch.open(family, env);
    } catch (err) {
      throw new Error(`could not initialize iptables protocol ${family === 4 ? 0 : 1}: ${(err as Error).message}`, { cause: err });
    }
  }
  return out;
}

export function iptablesBackend(conf: FirewallConf, env: ToolEnv): Backend {
  const ipt = openBoth(env);
  return {
    add() {
      for (const family of [4, 6] as const) {
        const rules = rulesFor(conf, family);
        const policy = conf.ingressPolicy === 'same-bridge' || conf.ingressPolicy === 'isolated';
        if (rules.length === 0) continue;
        const saved = ipt[family].save(FILTER);
        const s = new RestoreScript(FILTER);
        ensureChain(saved, s, PRIV);
        ensureChain(saved, s, conf.adminChain);
        if (!saved.has('FORWARD', filterRule())) s.insert('FORWARD', 1, filterRule());
        if (!saved.has(PRIV, adminRule(conf.adminChain))) s.insert(PRIV, 1, adminRule(conf.adminChain));
        const seen = new Set<string>();
        for (const r of rules) {
          const k = r.join(' ');
          if (seen.has(k) || saved.has(PRIV, r)) continue;
          seen.add(k);
          s.append(PRIV, r);
        }
        if (policy) isolation(conf, saved, s);
        ipt[family].restore(s);
      }
    },

    del() {
      for (const family of [4, 6] as const) {
        const rules = rulesFor(conf, family);
        if (rules.length === 0) continue;
        let saved: SavedTable;
        try {
          saved = ipt[family].save(FILTER);
        } catch {
          continue; // upstream ignores DEL's iptables errors
        }
        const s = new RestoreScript(FILTER);
        for (const r of rules) if (saved.has(PRIV, r)) s.delete(PRIV, r);
        try {
          ipt[family].restore(s);
        } catch {
          // as upstream: a rule that cannot be deleted is not DEL's failure
        }
      }
    },

    check() {
      for (const family of [4, 6] as const) {
        const rules = rulesFor(conf, family);
        if (rules.length === 0) continue;
        const saved = ipt[family].save(FILTER);
        if (!saved.has('FORWARD', filterRule())) throw new Error(`expected FORWARD rule ${v(filterRule())} not found`);
        if (!saved.has(PRIV, adminRule(conf.adminChain))) throw new Error(`expected ${PRIV} rule ${v(adminRule(conf.adminChain))} not found`);
        for (const r of rules) if (!saved.has(PRIV, r)) throw new Error(`expected rule ${v(r)} not found`);
      }
    },
  };
}

/** setupIsolationChains, into the same batch. */
function isolation(conf: FirewallConf, saved: SavedTable, s: RestoreScript): void {
  const bridge = conf.result.interfaces?.[0]?.name;
  if (conf.result.interfaces === undefined || conf.result.interfaces.length === 0) {
    throw new Error(`interface needs to be set for ingress policy ${JSON.stringify(conf.ingressPolicy)}, make sure to chain "firewall" plugin with "bridge"`);
  }
  if (!bridge) throw new Error('got empty bridge name');
  const policyComment = ['-m', 'comment', '--comment', `CNI firewall plugin rules (ingressPolicy: ${conf.ingressPolicy})`];
  const defaultComment = ['-m', 'comment', '--comment', 'CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)'];
  ensureChain(saved, s, STAGE1);
  ensureChain(saved, s, STAGE2);
  // v1.1.x wrote the shared rules with the policy's own comment: such a rule counts as present,
  // so a node upgraded from those plugins does not get a second copy.
  const legacy = (rule: string[]) => rule.map((a) => (a === defaultComment[3] ? policyComment[3]! : a));
  const present = (chain: string, rule: string[]) => saved.has(chain, rule) || saved.has(chain, legacy(rule));
  const insert = (chain: string, rule: string[]) => {
    if (!present(chain, rule)) s.insert(chain, 1, rule);
  };
  const append = (chain: string, rule: string[]) => {
    if (!present(chain, rule)) s.append(chain, rule);
  };
  insert('FORWARD', ['-j', STAGE1, ...defaultComment]);
  insert(STAGE1, ['-i', bridge, '!', '-o', bridge, '-j', STAGE2, ...policyComment]);
  if (conf.ingressPolicy === 'isolated') insert(STAGE1, ['-i', bridge, '-o', bridge, '-j', 'DROP', ...policyComment]);
  append(STAGE1, ['-j', 'RETURN', ...defaultComment]);
  insert(STAGE2, ['-o', bridge, '-j', 'DROP', ...defaultComment]);
  append(STAGE2, ['-j', 'RETURN', ...defaultComment]);
}

/** The ingress policy alone (for the firewalld backend): one batch per family of the result. */
export function setupIngressPolicy(conf: FirewallConf, env: ToolEnv): void {
  if (conf.ingressPolicy !== 'same-bridge' && conf.ingressPolicy !== 'isolated') return;
  const families = new Set((conf.result.ips ?? []).map((ip) => familyOfCidr(ip.address)));
  for (const family of families) {
    const ipt = IptablesBatch.open(family, env);
    const s = new RestoreScript(FILTER);
    isolation(conf, ipt.save(FILTER), s);
    ipt.restore(s);
  }
}
