// The iptables backend of ipMasq (pkg/ip/ipmasq_iptables_linux.go): per container a chain in
// the nat table named from network + container ID, reached from POSTROUTING for each container
// IP, that accepts traffic to the IP's own subnet and masquerades the rest (except multicast).
import { chainRuleSpec, type MasqTarget } from './_ipmasq';
import { formatChainName, formatComment } from './chain-name';
import type { ToolEnv } from './exec-tool';
import { familyOf } from './ip';
import { Iptables, IptablesError, splitRuleLine } from './iptables';

const MULTICAST = { 4: '224.0.0.0/4', 6: 'ff00::/8' } as const;

function open(family: 4 | 6, env: ToolEnv): Iptables {
  try {
    return Iptables.open(family, env);
  } catch (err) {
    throw new Error(`failed to locate iptables: ${(err as Error).message}`, { cause: err });
  }
}

/** ip.SetupIPMasq for one IP (CIDR as the container has it, e.g. `10.1.2.5/24`). */
export function setupIPMasqIptables(t: MasqTarget, env: ToolEnv): void {
  const chain = formatChainName(t.network, t.containerId);
  const comment = formatComment(t.network, t.containerId);
  for (const ipn of t.ips) {
    const family = familyOf(ipn);
    const ipt = open(family, env);
    let chains: string[];
    try {
      chains = ipt.listChains('nat');
    } catch (err) {
      throw new Error(`failed to list chains: ${(err as Error).message}`, { cause: err });
    }
    if (!chains.includes(chain)) ipt.newChain('nat', chain);
    // Packets to the container's own network are left alone.
    ipt.appendUnique('nat', chain, '-d', ipn, '-j', 'ACCEPT', '-m', 'comment', '--comment', comment);
    // Multicast is not masqueraded: pods may talk multicast on their local network.
    ipt.appendUnique('nat', chain, '!', '-d', MULTICAST[family], '-j', 'MASQUERADE', '-m', 'comment', '--comment', comment);
    ipt.appendUnique('nat', 'POSTROUTING', '-s', ipn.slice(0, ipn.indexOf('/')), '-j', chain, '-m', 'comment', '--comment', comment);
  }
}

const ignoreNotExist = (fn: () => void) => {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof IptablesError && err.isNotExist())) throw err;
  }
};

/**
 * ip.TeardownIPMasq, made independent of the addresses: every POSTROUTING rule that jumps to
 * the container's chain is deleted (upstream deletes only `-s <ip>` and `-s <ip/prefix>` of the
 * IPs it is given, so a DEL without addresses leaked the chain), then the chain is flushed and
 * deleted. Families: those of `ips`, or both when no address is known. Missing objects are fine.
 */
export function teardownIPMasqIptables(t: MasqTarget, env: ToolEnv): void {
  const chain = formatChainName(t.network, t.containerId);
  const families = t.ips.length ? [...new Set(t.ips.map(familyOf))] : ([4, 6] as const);
  const errors: string[] = [];
  for (const family of families) {
    try {
      let ipt: Iptables;
      try {
        ipt = open(family, env);
      } catch (err) {
        // No ip6tables on an IPv4-only host is no error when we only guessed the family.
        if (t.ips.length === 0 && family === 6) continue;
        throw err;
      }
      const rules = ipt.list('nat');
      for (const line of rules) {
        const spec = chainRuleSpec(splitRuleLine(line), 'POSTROUTING', chain);
        if (spec) ignoreNotExist(() => ipt.delete('nat', 'POSTROUTING', ...spec));
      }
      if (rules.includes(`-N ${chain}`)) {
        ignoreNotExist(() => ipt.run('-t', 'nat', '-F', chain));
        ignoreNotExist(() => ipt.deleteChain('nat', chain));
      }
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length) throw new Error(errors.join('\n'));
}
