// The firewall network configuration (Go: FirewallNetConf) and parseConf: the zone default, the
// previous result in the 1.1.0 shape.
import * as z from 'zod';
import { configError, decode, netConf, toJsonSchema, type CniRequest, type Result100 } from '@cni-ts/cni';
import { prevResultOf } from '@cni-ts/plugin-kit';

export const configSchema = netConf('FirewallNetConf', {
  backend: z.string().default('').describe('iptables | firewalld (default: firewalld when org.fedoraproject.FirewallD1 has an owner on the system bus, else iptables)'),
  iptablesAdminChainName: z.string().default('').describe('the chain CNI-FORWARD jumps to first, for the administrator\'s own rules (default CNI-ADMIN)'),
  firewalldZone: z.string().default('').describe('the firewalld zone the container addresses join (default trusted)'),
  ingressPolicy: z.string().default('').describe('open (default) | same-bridge | isolated: what may reach the container from other bridges, or from its own'),
}).describe('firewall: lets the container\'s traffic through the host\'s FORWARD chain (iptables) or a firewalld zone, with optional bridge isolation');

export type NetConf = z.output<typeof configSchema>;

/** JSON Schema (draft 2020-12) of the firewall config, as a user writes it. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
}

export const INGRESS_POLICIES = ['', 'open', 'same-bridge', 'isolated'] as const;
export type IngressPolicy = (typeof INGRESS_POLICIES)[number];

export interface FirewallConf {
  name: string;
  cniVersion: string;
  backend: string;
  adminChain: string;
  zone: string;
  ingressPolicy: IngressPolicy;
  /** true when the config has a prevResult (ADD and CHECK need one). */
  hasPrevResult: boolean;
  /** the previous result (an empty one when there is none, as upstream). */
  result: Result100;
}

/** parseConf, plus the ingress policy check (upstream: after the backend ran; here before). */
export function loadConf(req: Pick<CniRequest, 'config' | 'cniVersion'>): FirewallConf {
  const n = decode(configSchema, req.config, { prefix: 'failed to load netconf' });
  let result: Result100 | undefined;
  try {
    result = prevResultOf(n.prevResult, req.cniVersion);
  } catch (err) {
    throw configError((err as Error).message, 'prevResult');
  }
  if (!(INGRESS_POLICIES as readonly string[]).includes(n.ingressPolicy)) throw configError(`unknown ingress policy: ${JSON.stringify(n.ingressPolicy)}`, 'ingressPolicy');
  return {
    name: n.name ?? '',
    cniVersion: req.cniVersion,
    backend: n.backend,
    adminChain: n.iptablesAdminChainName || 'CNI-ADMIN',
    zone: n.firewalldZone || 'trusted',
    ingressPolicy: n.ingressPolicy as IngressPolicy,
    hasPrevResult: result !== undefined,
    result: result ?? { cniVersion: '1.1.0' },
  };
}

/** ipString: the address alone, as a host prefix (`10.1.0.5/32`, `fd00::5/128`). */
export function hostPrefix(cidr: string): string {
  const ip = cidr.split('/')[0]!;
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}
