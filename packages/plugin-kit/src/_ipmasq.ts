// Shared between the ipMasq backends (not exported from the package).

/** Whose masquerade rules: the network, the container's interface and ID, and its IPs (CIDRs). */
export interface MasqTarget {
  ips: readonly string[];
  network: string;
  ifname: string;
  containerId: string;
}

/** For an `-A <chain> ... -j <target> ...` line: the rule spec after the chain; else undefined. */
export function chainRuleSpec(words: readonly string[], chain: string, target: string): string[] | undefined {
  if (words[0] !== '-A' || words[1] !== chain) return undefined;
  const spec = words.slice(2);
  const j = spec.indexOf('-j');
  return j >= 0 && spec[j + 1] === target ? spec : undefined;
}
