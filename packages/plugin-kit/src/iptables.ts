// The part of coreos/go-iptables the plugins use: one iptables or ip6tables binary found in
// PATH, run with --wait, failures reported with go-iptables' text
// (`running [/usr/sbin/iptables -t nat -N X --wait]: exit status 1: iptables: Chain already exists.`).
// Unlike go-iptables we do not run `iptables --version` first: every iptables of the last ten
// years has -C and --wait, and each process costs start-up time.
import { lookPath, runTool, type ToolEnv, type ToolResult } from './exec-tool';

const NOT_EXIST = ['Bad rule (does a matching rule exist in that chain?).\n', 'No chain/target/match by that name.\n', 'No such file or directory', 'does not exist'];

export class IptablesError extends Error {
  readonly argv: readonly string[];
  readonly result: ToolResult;
  constructor(argv: readonly string[], result: ToolResult) {
    super(`running [${argv.join(' ')}]: ${result.reason}: ${result.stderr}`);
    this.name = 'IptablesError';
    this.argv = argv;
    this.result = result;
  }

  get status(): number {
    return this.result.status;
  }

  /** The chain or rule does not exist (go-iptables' IsNotExist). */
  isNotExist(): boolean {
    return NOT_EXIST.some((p) => this.result.stderr.includes(p));
  }
}

export class Iptables {
  readonly path: string;
  readonly family: 4 | 6;
  readonly env: ToolEnv;
  private constructor(path: string, family: 4 | 6, env: ToolEnv) {
    this.path = path;
    this.family = family;
    this.env = env;
  }

  /** iptables.NewWithProtocol: finds `iptables` (4) or `ip6tables` (6) in PATH. */
  static open(family: 4 | 6, env: ToolEnv = process.env): Iptables {
    return new Iptables(lookPath(family === 4 ? 'iptables' : 'ip6tables', env), family, env);
  }

  /** Runs one command; returns stdout, throws IptablesError on a non-zero exit. */
  run(...args: string[]): string {
    const argv = [this.path, ...args, '--wait'];
    const r = runTool(this.path, argv.slice(1), { env: this.env });
    if (r.status !== 0) throw new IptablesError(argv, r);
    return r.stdout;
  }

  /** `-C`: true when the rule exists (exit 1 means it does not). */
  exists(table: string, chain: string, ...spec: string[]): boolean {
    try {
      this.run('-t', table, '-C', chain, ...spec);
      return true;
    } catch (err) {
      if (err instanceof IptablesError && err.status === 1) return false;
      throw err;
    }
  }

  append(table: string, chain: string, ...spec: string[]): void {
    this.run('-t', table, '-A', chain, ...spec);
  }

  /** Appends unless an identical rule is already there. */
  appendUnique(table: string, chain: string, ...spec: string[]): void {
    if (!this.exists(table, chain, ...spec)) this.append(table, chain, ...spec);
  }

  delete(table: string, chain: string, ...spec: string[]): void {
    this.run('-t', table, '-D', chain, ...spec);
  }

  /** `-S` of a table (or one chain): the rules as iptables-save lines. */
  list(table: string, chain?: string): string[] {
    const out = this.run('-t', table, '-S', ...(chain === undefined ? [] : [chain]));
    return out.split('\n').filter((l) => l !== '');
  }

  /** The built-in (-P) and user (-N) chains of a table. */
  listChains(table: string): string[] {
    const chains: string[] = [];
    for (const l of this.list(table)) {
      if (!l.startsWith('-P') && !l.startsWith('-N')) break;
      chains.push(l.split(/\s+/)[1]!);
    }
    return chains;
  }

  /** `-S chain 1`: whether the chain exists (exit 1: it does not). */
  chainExists(table: string, chain: string): boolean {
    try {
      this.run('-t', table, '-S', chain, '1');
      return true;
    } catch (err) {
      if (err instanceof IptablesError && err.status === 1) return false;
      throw err;
    }
  }

  newChain(table: string, chain: string): void {
    this.run('-t', table, '-N', chain);
  }

  /** Creates the chain, or flushes it when it exists. */
  clearChain(table: string, chain: string): void {
    try {
      this.newChain(table, chain);
    } catch (err) {
      if (!(err instanceof IptablesError && err.status === 1)) throw err;
      this.run('-t', table, '-F', chain);
    }
  }

  deleteChain(table: string, chain: string): void {
    this.run('-t', table, '-X', chain);
  }
}

/** utils.SupportsIPTables: iptables is in PATH and can at least check for a chain. */
export function supportsIptables(env: ToolEnv = process.env): boolean {
  try {
    Iptables.open(4, env).chainExists('filter', 'INPUT');
    return true;
  } catch {
    return false;
  }
}

/**
 * Splits an iptables-save line into arguments: words separated by spaces, double-quoted words
 * with backslash escapes (how -S prints comments: `--comment "name: \"n\" id: \"c\""`).
 */
export function splitRuleLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    let word = '';
    if (line[i] === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length) i++;
        word += line[i++];
      }
      i++;
    } else {
      while (i < line.length && line[i] !== ' ') word += line[i++];
    }
    out.push(word);
  }
  return out;
}
