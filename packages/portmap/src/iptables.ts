// The iptables backend (portmap_iptables.go + chain.go), in the nat table of the address's
// family. Upstream runs `iptables -C`/`-A`/`-I` per rule (some twenty processes per ADD); here one
// `iptables-save -t nat` reads the table and one `iptables-restore --noflush` batch writes what is
// missing, so the rules end up exactly as upstream's after `iptables-save`:
//   PREROUTING, OUTPUT:  -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
//   CNI-HOSTPORT-DNAT:   -m comment --comment 'dnat name: "<net>" id: "<id>"' -m multiport -p tcp --destination-ports 8080,8081 [conditions] -j CNI-DN-<hash>
//   CNI-DN-<hash>:       per mapping: hairpin mark (-s <container net>), localhost mark (v4), DNAT
//   POSTROUTING (first): -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
//   CNI-HOSTPORT-MASQ:   -m mark --mark 0x2000/0x2000 -j MASQUERADE
//   CNI-HOSTPORT-SETMARK: -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000
// The top-level chains are shared between containers and never removed.
import { formatHashWithPrefix, IptablesBatch, RestoreScript, splitCIDR, targetOf, type SavedTable, type ToolEnv } from '@cni-ts/plugin-kit';
import type { PortMapConf } from './config';
import { hostIPApplies, ipPort, type Mapper } from './mapper';

export const TOP_DNAT = 'CNI-HOSTPORT-DNAT';
export const SETMARK = 'CNI-HOSTPORT-SETMARK';
export const MASQ = 'CNI-HOSTPORT-MASQ';
const TABLE = 'nat';

/** utils.MustFormatChainNameWithPrefix: `CNI-DN-` + 21 hex characters. */
export const dnatChainName = (net: string, id: string) => formatHashWithPrefix(28, 'CNI-DN-', net + id);
const oldSnatChainName = (net: string, id: string) => formatHashWithPrefix(28, 'CNI-SN-', net + id);

const markDef = (bit: number) => {
  const v = `0x${(2 ** bit).toString(16)}`;
  return `${v}/${v}`;
};

/** trimComment: iptables keeps at most 255 characters. */
export function trimComment(val: string): string {
  return Buffer.byteLength(val) <= 255 ? val : `${Buffer.from(val).subarray(0, 253).toString()}...`;
}

/** splitPortList: multiport takes at most 15 ports. */
function splitPortList(ports: number[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < ports.length; i += 15) out.push(ports.slice(i, i + 15).join(','));
  return out;
}

/** The per-container chain: its entry rules (in CNI-HOSTPORT-DNAT, without `-j`) and its rules. */
export interface DnatChain {
  name: string;
  entryRules: string[][];
  rules: string[][];
}

/** fillDnatRules: the container chain for one container address (CIDR). */
export function dnatChain(conf: PortMapConf, containerNet: string): DnatChain {
  const { ip, family } = splitCIDR(containerNet);
  const v6 = family === 6;
  const comment = trimComment(`dnat name: "${conf.name}" id: "${conf.containerId}"`);
  const setMark = conf.externalSetMarkChain ?? SETMARK;
  const byProto = new Map<string, number[]>();
  for (const e of conf.portMappings) byProto.set(e.protocol, [...(byProto.get(e.protocol) ?? []), e.hostPort]);
  const conditions = (v6 ? conf.conditionsV6 : conf.conditionsV4) ?? [];
  const entryRules: string[][] = [];
  for (const proto of [...byProto.keys()].toSorted()) {
    for (const ports of splitPortList(byProto.get(proto)!)) {
      entryRules.push(['-m', 'comment', '--comment', comment, '-m', 'multiport', '-p', proto, '--destination-ports', ports, ...conditions]);
    }
  }
  const rules: string[][] = [];
  for (const e of conf.portMappings) {
    const hostIP = hostIPApplies(e.hostIP, family);
    if (hostIP === false) continue;
    const base = ['-p', e.protocol, '--dport', String(e.hostPort), ...(hostIP ? ['-d', hostIP] : [])];
    if (conf.snat) {
      rules.push([...base, '-s', conf.masqAll ? (v6 ? '::/0' : '0.0.0.0/0') : containerNet, '-j', setMark]);
      if (!v6 && !conf.masqAll) rules.push([...base, '-s', '127.0.0.1', '-j', setMark]);
    }
    rules.push([...base, '-j', 'DNAT', '--to-destination', ipPort(ip, family, e.containerPort)]);
  }
  return { name: dnatChainName(conf.name, conf.containerId), entryRules, rules };
}

const has = (args: readonly string[], ...want: string[]) => want.every((w) => args.includes(w));

/** The top-level rules, found by what identifies them (iptables may print options in its own order). */
function topLevel(conf: PortMapConf, saved: SavedTable, s: RestoreScript): void {
  const ensure = (chain: string) => {
    if (!saved.hasChain(chain)) s.declare(chain);
  };
  if (conf.snat && conf.externalSetMarkChain === undefined) {
    const mark = markDef(conf.markMasqBit);
    ensure(SETMARK);
    if (!saved.rulesOf(SETMARK).some((r) => targetOf(r) === 'MARK' && has(r, '--set-xmark', mark))) {
      s.append(SETMARK, ['-m', 'comment', '--comment', 'CNI portfwd masquerade mark', '-j', 'MARK', '--set-xmark', mark]);
    }
    ensure(MASQ);
    if (!saved.rulesOf(MASQ).some((r) => targetOf(r) === 'MASQUERADE' && has(r, '--mark', mark))) {
      s.append(MASQ, ['-m', 'mark', '--mark', mark, '-j', 'MASQUERADE']);
    }
    if (!saved.rulesOf('POSTROUTING').some((r) => targetOf(r) === MASQ && r.includes('CNI portfwd requiring masquerade'))) {
      s.insert('POSTROUTING', 1, ['-m', 'comment', '--comment', 'CNI portfwd requiring masquerade', '-j', MASQ]);
    }
  }
  ensure(TOP_DNAT);
  for (const entry of ['PREROUTING', 'OUTPUT']) {
    if (!saved.rulesOf(entry).some((r) => targetOf(r) === TOP_DNAT && has(r, 'addrtype', 'LOCAL'))) {
      s.append(entry, ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', TOP_DNAT]);
    }
  }
}

/** Deletes every rule that jumps to `chain`, then the chain (when it exists). */
function teardownChain(saved: SavedTable, chain: string, s: RestoreScript): void {
  if (!saved.hasChain(chain)) return;
  for (const r of saved.jumpsTo(chain)) s.delete(r.chain, r.args);
  s.flush(chain).deleteChain(chain);
}

function open(family: 4 | 6, env: ToolEnv): IptablesBatch {
  try {
    return IptablesBatch.open(family, env);
  } catch (err) {
    throw new Error(`failed to open iptables: ${(err as Error).message}`, { cause: err });
  }
}

/** maybeGetIptables: the family's tools when its nat table can be read. */
function usable(family: 4 | 6, env: ToolEnv): { ipt?: IptablesBatch; saved?: SavedTable; err?: Error } {
  try {
    const ipt = IptablesBatch.open(family, env);
    return { ipt, saved: ipt.save(TABLE) };
  } catch (err) {
    return { err: err as Error };
  }
}

export function iptablesMapper(env: ToolEnv): Mapper {
  return {
    forwardPorts(conf, containerNet) {
      const ipt = open(splitCIDR(containerNet).family, env);
      const saved = ipt.save(TABLE);
      const s = new RestoreScript(TABLE);
      topLevel(conf, saved, s);
      // The container chain is written afresh (`:CHAIN` flushes it); its entry rules replace
      // any left by an earlier ADD of the same container.
      const c = dnatChain(conf, containerNet);
      for (const old of saved.rulesOf(TOP_DNAT).filter((r) => targetOf(r) === c.name)) s.delete(TOP_DNAT, old);
      s.declare(c.name);
      for (const r of c.rules) s.append(c.name, r);
      for (const r of c.entryRules) s.append(TOP_DNAT, [...r, '-j', c.name]);
      try {
        ipt.restore(s);
      } catch (err) {
        throw new Error(`unable to setup DNAT: ${(err as Error).message}`, { cause: err });
      }
    },

    checkPorts(conf, containerNet) {
      const family = splitCIDR(containerNet).family;
      const u = usable(family, env);
      if (!u.ipt) {
        throw new Error(`neither iptables nor ip6tables is usable, (iptables) ${family === 4 ? u.err!.message : '<nil>'}, (ip6tables) ${family === 6 ? u.err!.message : '<nil>'}`);
      }
      const c = dnatChain(conf, containerNet);
      const what = family === 4 ? 'ipv4' : 'ipv6';
      if (!u.saved!.hasChain(c.name)) throw new Error(`could not check ${what} dnat: chain ${c.name} not found in iptables table ${TABLE}`);
      const rules = new RestoreScript(TABLE);
      for (const r of c.rules) rules.check(c.name, r);
      if (!u.ipt.checkAll(rules)) throw new Error(`could not check ${what} dnat: rule ${goList(c.rules)} in chain ${c.name} not found in table ${TABLE}`);
      const entries = new RestoreScript(TABLE);
      for (const r of c.entryRules) entries.check(TOP_DNAT, [...r, '-j', c.name]);
      if (!u.ipt.checkAll(entries)) throw new Error(`could not check ${what} dnat: rule ${goList(c.entryRules)} in chain ${TOP_DNAT} not found in table ${TABLE}`);
    },

    unforwardPorts(conf) {
      const v4 = usable(4, env);
      const v6 = usable(6, env);
      if (!v4.ipt && !v6.ipt) {
        throw new Error(`neither iptables nor ip6tables is usable, (iptables) ${v4.err!.message}, (ip6tables) ${v6.err!.message}`);
      }
      for (const [u, what] of [
        [v4, 'ipv4'],
        [v6, 'ipv6'],
      ] as const) {
        if (!u.ipt) continue;
        const s = new RestoreScript(TABLE);
        teardownChain(u.saved!, dnatChainName(conf.name, conf.containerId), s);
        teardownChain(u.saved!, oldSnatChainName(conf.name, conf.containerId), s);
        try {
          u.ipt.restore(s);
        } catch (err) {
          throw new Error(`could not teardown ${what} dnat: ${(err as Error).message}`, { cause: err });
        }
      }
    },
  };
}

/** GC: the container chains of this network whose container is no longer attached. */
export function iptablesGc(env: ToolEnv, network: string, keep: ReadonlySet<string>): string[] {
  const errors: string[] = [];
  const prefix = `dnat name: "${network}" id: "`;
  for (const family of [4, 6] as const) {
    const u = usable(family, env);
    if (!u.ipt) continue;
    const s = new RestoreScript(TABLE);
    const stale = new Set<string>();
    for (const r of u.saved!.rulesOf(TOP_DNAT)) {
      const comment = r[r.indexOf('--comment') + 1] ?? '';
      if (!comment.startsWith(prefix) || comment.endsWith('...')) continue;
      const id = comment.slice(prefix.length, -1);
      const chain = targetOf(r);
      if (!keep.has(id) && chain === dnatChainName(network, id)) stale.add(chain);
    }
    for (const chain of stale) teardownChain(u.saved!, chain, s);
    try {
      u.ipt.restore(s);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  return errors;
}

/** Go's %v of [][]string: `[[-p tcp] [-j X]]`. */
function goList(rules: string[][]): string {
  return `[${rules.map((r) => `[${r.join(' ')}]`).join(' ')}]`;
}
