// The iptables backend: upstream multus-proxy's rule layout (kube-proxy's, with MULTUS- chains)
// written in one iptables-restore --noflush batch per family and netns, so a change is applied
// whole or not at all. nat OUTPUT jumps to MULTUS-SERVICES; there, per Service port,
// `-d <vip> -p <proto> --dport <port>` jumps to MULTUS-SVC-<hash>, which picks an endpoint chain
// MULTUS-SEP-<hash> (statistic random, probabilities 1/n, 1/(n-1), ..., 1; with session affinity
// a `recent` match first sends a known client back to its endpoint), which DNATs. Chains of ours
// that are no longer wanted are flushed and deleted in the same batch; with nothing wanted the
// OUTPUT jump goes too. Established connections keep their translation (conntrack).
import { createHash } from 'node:crypto';
import { lookPath, runToolAsync, type ToolEnv } from '@cni-ts/plugin-kit';
import type { Family } from '../network';
import type { RuleBackend } from './backend';
import type { Backend, ServicePortPlan } from './plan';

const TOP = 'MULTUS-SERVICES';
const JUMP_COMMENT = 'multus service portals';
const JUMP = `-m comment --comment "${JUMP_COMMENT}" -j ${TOP}`;

const hash = (s: string) => base32(createHash('sha256').update(s).digest()).slice(0, 16);

function base32(b: Buffer): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of b) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += A[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

export const svcChain = (sp: ServicePortPlan) => `MULTUS-SVC-${hash(`${sp.name}${sp.protocol}${sp.family}`)}`;
export const sepChain = (sp: ServicePortPlan, ep: Backend) => `MULTUS-SEP-${hash(`${sp.name}${sp.protocol}${ep.ip}:${ep.port}`)}`;

const hostCidr = (ip: string, f: Family) => `${ip}/${f === 4 ? 32 : 128}`;
const target = (ep: Backend, f: Family) => (f === 4 ? `${ep.ip}:${ep.port}` : `[${ep.ip}]:${ep.port}`);
const MASK = { 4: '255.255.255.255', 6: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' } as const;
const quote = (s: string) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

/** What iptables-save shows of ours in the nat table. */
export interface NatState {
  chains: string[];
  /** OUTPUT rules jumping to MULTUS-SERVICES (normally 0 or 1). */
  jumps: number;
}

export function parseNatState(save: string): NatState {
  const chains: string[] = [];
  let jumps = 0;
  for (const line of save.split('\n')) {
    const m = /^:(MULTUS-\S+) /.exec(line);
    if (m) chains.push(m[1]!);
    if (line.startsWith('-A OUTPUT ') && line.endsWith(`-j ${TOP}`)) jumps++;
  }
  return { chains, jumps };
}

/** The iptables-restore input that takes `state` to `services` (one family); '' when nothing is to be done. */
export function restoreInput(family: Family, services: readonly ServicePortPlan[], state: NatState): string {
  const mine = services.filter((s) => s.family === family);
  if (mine.length === 0 && state.chains.length === 0 && state.jumps === 0) return '';
  const chains: string[] = [];
  const rules: string[] = [];
  if (mine.length > 0) {
    chains.push(TOP);
    for (const sp of mine) {
      const svc = svcChain(sp);
      chains.push(svc);
      const c = quote(sp.name);
      rules.push(`-A ${TOP} -d ${hostCidr(sp.clusterIP, family)} -p ${sp.protocol} -m comment --comment ${quote(`${sp.name} cluster IP`)} -m ${sp.protocol} --dport ${sp.port} -j ${svc}`);
      const recent = (sep: string) => `-m recent --name ${sep} --mask ${MASK[family]} --rsource`;
      if (sp.affinitySeconds !== undefined) {
        for (const ep of sp.endpoints) rules.push(`-A ${svc} -m comment --comment ${c} ${recent(sepChain(sp, ep))} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${sepChain(sp, ep)}`);
      }
      sp.endpoints.forEach((ep, i) => {
        const n = sp.endpoints.length - i;
        const sep = sepChain(sp, ep);
        chains.push(sep);
        rules.push(`-A ${svc} -m comment --comment ${c}${n > 1 ? ` -m statistic --mode random --probability ${(1 / n).toFixed(10)}` : ''} -j ${sep}`);
        const set = sp.affinitySeconds !== undefined ? ` ${recent(sep)} --set` : '';
        rules.push(`-A ${sep} -p ${sp.protocol} -m comment --comment ${c}${set} -m ${sp.protocol} -j DNAT --to-destination ${target(ep, family)}`);
      });
    }
  }
  const wanted = new Set(chains);
  const stale = state.chains.filter((c) => !wanted.has(c));
  const out = ['*nat'];
  // Declaring a chain in --noflush mode creates it or flushes it.
  for (const c of new Set(chains)) out.push(`:${c} - [0:0]`);
  for (const c of stale) out.push(`:${c} - [0:0]`);
  if (mine.length > 0 && state.jumps === 0) out.push(`-I OUTPUT 1 ${JUMP}`);
  if (mine.length === 0) for (let i = 0; i < state.jumps; i++) out.push(`-D OUTPUT ${JUMP}`);
  out.push(...rules);
  for (const c of stale) out.push(`-X ${c}`);
  out.push('COMMIT', '');
  return out.join('\n');
}

/** The state `restoreInput(family, services, ...)` leaves behind. */
function stateAfter(family: Family, services: readonly ServicePortPlan[]): NatState {
  const mine = services.filter((s) => s.family === family);
  if (mine.length === 0) return { chains: [], jumps: 0 };
  const chains = new Set([TOP]);
  for (const sp of mine) {
    chains.add(svcChain(sp));
    for (const ep of sp.endpoints) chains.add(sepChain(sp, ep));
  }
  return { chains: [...chains], jumps: 1 };
}

export class IptablesBackend implements RuleBackend {
  readonly name = 'iptables';
  readonly #env: ToolEnv;
  readonly #nsenter: string;
  readonly #tools: Record<Family, { save: string; restore: string }>;
  /** Per netns and family: what our last restore left there (so it need not be read back). */
  readonly #known = new Map<string, Partial<Record<Family, NatState>>>();

  constructor(env: ToolEnv = process.env) {
    this.#env = env;
    this.#nsenter = lookPath('nsenter', env);
    this.#tools = {
      4: { save: lookPath('iptables-save', env), restore: lookPath('iptables-restore', env) },
      6: { save: lookPath('ip6tables-save', env), restore: lookPath('ip6tables-restore', env) },
    };
  }

  /** Runs a tool inside the netns (nsenter: this process's threads stay where they are). */
  async #run(netnsPath: string, argv: string[], input?: string): Promise<string> {
    const r = await runToolAsync(this.#nsenter, [`--net=${netnsPath}`, '--', ...argv], { env: this.#env, input });
    if (r.status !== 0) throw new Error(`running [${argv.join(' ')}] in ${netnsPath}: ${r.reason}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  async sync(netnsPath: string, services: readonly ServicePortPlan[], opts: { verify?: boolean } = {}): Promise<void> {
    const known = opts.verify ? {} : (this.#known.get(netnsPath) ?? {});
    const next: Partial<Record<Family, NatState>> = {};
    try {
      for (const family of [4, 6] as const) {
        const t = this.#tools[family];
        const state = known[family] ?? parseNatState(await this.#run(netnsPath, [t.save, '-t', 'nat']));
        const input = restoreInput(family, services, state);
        if (input) await this.#run(netnsPath, [t.restore, '--noflush', '--wait'], input);
        next[family] = stateAfter(family, services);
      }
    } catch (err) {
      this.#known.delete(netnsPath);
      throw err;
    }
    if (services.length === 0) this.#known.delete(netnsPath);
    else this.#known.set(netnsPath, next);
  }

  forget(netnsPath: string): void {
    this.#known.delete(netnsPath);
  }
}
