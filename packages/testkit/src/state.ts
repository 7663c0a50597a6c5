import { must, run } from './_exec';

/** `ip -j -d` output of one object kind inside a namespace (or the current one with ns = null). */
export function ipJson<T = Record<string, unknown>>(ns: string | null, ...args: string[]): T[] {
  const nsArgs = ns ? ['-n', ns] : [];
  const out = must('ip', [...nsArgs, '-j', '-d', ...args]);
  return out.trim() === '' ? [] : (JSON.parse(out) as T[]);
}

export interface IpLink {
  ifindex: number;
  ifname: string;
  mtu: number;
  address?: string;
  operstate?: string;
  flags: string[];
  master?: string;
  promiscuity?: number;
  link?: string;
  link_index?: number;
  link_netnsid?: number;
  ifalias?: string;
  txqlen?: number;
  allmulti?: number;
  linkinfo?: {
    info_kind?: string;
    info_data?: Record<string, unknown>;
    info_slave_kind?: string;
    info_slave_data?: Record<string, unknown>;
  };
  [key: string]: unknown;
}

export interface IpAddrInfo {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  scope?: string;
  [key: string]: unknown;
}

export interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  metric?: number;
  table?: string;
  [key: string]: unknown;
}

export function links(ns: string | null): IpLink[] {
  return ipJson<IpLink>(ns, 'link', 'show');
}

export function link(ns: string | null, name: string): IpLink | undefined {
  return links(ns).find((l) => l.ifname === name);
}

export function addrs(ns: string | null, dev: string): IpAddrInfo[] {
  const [entry] = ipJson<{ addr_info: IpAddrInfo[] }>(ns, 'addr', 'show', 'dev', dev);
  return entry?.addr_info ?? [];
}

export function routes(ns: string | null, family: 4 | 6 = 4, table = 'main'): IpRoute[] {
  return ipJson<IpRoute>(ns, `-${family}`, 'route', 'show', 'table', table);
}

export function rules(ns: string | null, family: 4 | 6 = 4): Record<string, unknown>[] {
  return ipJson(ns, `-${family}`, 'rule', 'show');
}

/** Reads a sysctl inside a namespace, e.g. sysctl(ns, 'net/ipv4/ip_forward'). */
export function sysctl(ns: string, key: string): string {
  return execIn(ns, 'cat', [`/proc/sys/${key.replaceAll('.', '/')}`]).trim();
}

/** Runs a command inside a namespace (through `ip netns exec`) and returns stdout. */
export function execIn(ns: string, cmd: string, args: readonly string[] = [], input?: string): string {
  return must('ip', ['netns', 'exec', ns, cmd, ...args], input);
}

/** Sends `count` pings from a namespace; true when at least one reply came back. */
export function ping(ns: string, dst: string, count = 1, timeoutSec = 2): boolean {
  const six = dst.includes(':') ? ['-6'] : [];
  const r = run('ip', ['netns', 'exec', ns, 'ping', ...six, '-c', String(count), '-W', String(timeoutSec), dst]);
  return r.status === 0;
}

/** nft ruleset of a namespace as text (empty string when nft is absent or the set is empty). */
export function nftRuleset(ns: string | null): string {
  const base = ['nft', 'list', 'ruleset'];
  const r = ns ? run('ip', ['netns', 'exec', ns, ...base]) : run(base[0]!, base.slice(1));
  return r.status === 0 ? r.stdout : '';
}

/** iptables-save of a namespace (the nat and filter tables as text). */
export function iptablesSave(ns: string | null, family: 4 | 6 = 4): string {
  const bin = family === 4 ? 'iptables-save' : 'ip6tables-save';
  const r = ns ? run('ip', ['netns', 'exec', ns, bin]) : run(bin, []);
  // Comment lines carry timestamps; drop them so two snapshots compare equal.
  return r.status === 0 ? r.stdout.split('\n').filter((l) => !l.startsWith('#')).join('\n') : '';
}
