// ip.SetupIPMasqForNetworks / TeardownIPMasqForNetworks: masquerade a container's traffic to
// anything outside its subnets, through iptables or nftables as upstream writes the rules, so
// existing tooling and older or newer plugin versions recognise and remove them.
import { goQuote } from '@cni-ts/cni';
import type { MasqTarget } from './_ipmasq';
import type { ToolEnv } from './exec-tool';
import { setupIPMasqIptables, teardownIPMasqIptables } from './ipmasq-iptables';
import { setupIPMasqNftables, teardownIPMasqNftables } from './ipmasq-nftables';
import { supportsIptables } from './iptables';
import { supportsNftables } from './nft';

export type { MasqTarget } from './_ipmasq';

/** The backend upstream picks when none is configured: iptables, unless only nftables is usable. */
export function defaultIPMasqBackend(env: ToolEnv = process.env): 'iptables' | 'nftables' {
  return !supportsIptables(env) && supportsNftables(env) ? 'nftables' : 'iptables';
}

/** Installs the rules with `backend` ('iptables', 'nftables', or undefined for the default). */
export function setupIPMasqForNetworks(backend: string | undefined, target: MasqTarget, env: ToolEnv = process.env): void {
  const b = backend ?? defaultIPMasqBackend(env);
  if (b === 'iptables') return setupIPMasqIptables(target, env);
  if (b === 'nftables') return setupIPMasqNftables(target, env);
  throw new Error(`unknown ipmasq backend ${goQuote(b)}`);
}

/**
 * Removes the rules of both backends (the attachment may come from another plugin version or
 * configuration); errors count only for backends this host supports. `target.ips` may be empty
 * (DEL without a namespace): both backends then still find the attachment's rules.
 */
export function teardownIPMasqForNetworks(target: MasqTarget, env: ToolEnv = process.env): void {
  const errors: string[] = [];
  try {
    teardownIPMasqIptables(target, env);
  } catch (err) {
    if (supportsIptables(env)) errors.push((err as Error).message);
  }
  try {
    teardownIPMasqNftables(target, env);
  } catch (err) {
    if (supportsNftables(env)) errors.push((err as Error).message);
  }
  if (errors.length) throw new Error(errors.join('\n'));
}
