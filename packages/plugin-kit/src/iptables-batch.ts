// iptables in two processes instead of one per rule: `iptables-save -t <table>` reads a table
// (chains and rules in save syntax), `iptables-restore --noflush` applies a batch of commands
// (`:CHAIN` creates a chain, or flushes one that exists; -A, -I, -D, -F, -X, -C lines) atomically
// per table; `-C` lines in a batch check rules without changing anything (the run fails at the
// first missing one). Works the same with iptables-nft and iptables-legacy (whichever
// `iptables-save` is); rules are given in the command line's syntax, any option order.
import { lookPath, runTool, type ToolEnv } from './exec-tool';
import { splitRuleLine } from './iptables';

/** A failed iptables-save/-restore run: go-iptables' text plus the tool's complaint. */
export class IptablesBatchError extends Error {
  readonly status: number;
  readonly stderr: string;
  constructor(argv: readonly string[], status: number, reason: string, stderr: string) {
    super(`running [${argv.join(' ')}]: ${reason}: ${stderr.trim()}`);
    this.name = 'IptablesBatchError';
    this.status = status;
    this.stderr = stderr;
  }
}

/** One table as `iptables-save -t <table>` prints it. */
export class SavedTable {
  readonly table: string;
  /** every chain (built-in and user), in save order. */
  readonly chains: string[];
  /** the `-A` lines, in order, without the leading `-A `. */
  readonly rules: { chain: string; line: string; args: string[] }[];

  constructor(table: string, text: string) {
    this.table = table;
    this.chains = [];
    this.rules = [];
    let inTable = false;
    for (const line of text.split('\n')) {
      if (line.startsWith('*')) inTable = line.slice(1) === table;
      else if (!inTable) continue;
      else if (line.startsWith(':')) this.chains.push(line.slice(1).split(' ')[0]!);
      else if (line.startsWith('-A ')) {
        const args = splitRuleLine(line).slice(1);
        this.rules.push({ chain: args[0]!, line: line.slice(3), args: args.slice(1) });
      }
    }
  }

  hasChain(chain: string): boolean {
    return this.chains.includes(chain);
  }

  /** The rules of one chain (argument lists, without `-A <chain>`). */
  rulesOf(chain: string): string[][] {
    return this.rules.filter((r) => r.chain === chain).map((r) => r.args);
  }

  /**
   * Whether `chain` holds a rule equal to `args` (command-line syntax, any option order): both
   * sides compared by ruleKey, so iptables-save's reordering and spellings do not matter.
   */
  has(chain: string, args: readonly string[]): boolean {
    const want = ruleKey(args);
    return this.rules.some((r) => r.chain === chain && ruleKey(r.args) === want);
  }

  /** Rules anywhere in the table whose target is `-j <target>` (or `-g`). */
  jumpsTo(target: string): { chain: string; args: string[] }[] {
    return this.rules.filter((r) => targetOf(r.args) === target);
  }
}

/** The `-j`/`-g` target of a rule's arguments. */
export function targetOf(args: readonly string[]): string | undefined {
  for (let i = args.length - 2; i >= 0; i--) if (args[i] === '-j' || args[i] === '-g') return args[i + 1];
  return undefined;
}

const ALIASES: Record<string, string> = {
  '--source': '-s',
  '--destination': '-d',
  '--protocol': '-p',
  '--in-interface': '-i',
  '--out-interface': '-o',
  '--jump': '-j',
  '--goto': '-g',
  '--destination-ports': '--dports',
  '--destination-port': '--dport',
  '--source-ports': '--sports',
  '--source-port': '--sport',
};

/**
 * A rule's options as an order-free key: `[!]option=value` items sorted, `-m <module>` dropped
 * (a module is implied by its options), long spellings folded, `-s`/`-d` given a prefix length
 * (`/32`, `/128`) when they have none. Good for the fixed rules plugins write, not a full parser.
 */
export function ruleKey(args: readonly string[]): string {
  const items: string[] = [];
  let neg = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '!') {
      neg = true;
      continue;
    }
    if (!a.startsWith('-')) continue;
    const opt = ALIASES[a] ?? a;
    const values: string[] = [];
    while (i + 1 < args.length && !args[i + 1]!.startsWith('-') && args[i + 1] !== '!') values.push(args[++i]!);
    if (opt === '-m') {
      neg = false;
      continue;
    }
    let v = values.join(' ');
    if ((opt === '-s' || opt === '-d') && !v.includes('/')) v += v.includes(':') ? '/128' : '/32';
    items.push(`${neg ? '!' : ''}${opt}=${v}`);
    neg = false;
  }
  return items.toSorted().join('\n');
}

/** Quotes one argument for iptables-restore's tokenizer (double quotes, backslash escapes). */
export function quoteArg(a: string): string {
  return a === '' || /[\s"'\\]/.test(a) ? `"${a.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"` : a;
}

/** A batch of commands for one table, applied with `iptables-restore --noflush`. */
export class RestoreScript {
  readonly table: string;
  private readonly lines: string[] = [];
  constructor(table: string) {
    this.table = table;
  }

  /** `:CHAIN - [0:0]`: creates the chain, or flushes it when it exists. */
  declare(chain: string): this {
    this.lines.push(`:${chain} - [0:0]`);
    return this;
  }

  append(chain: string, args: readonly string[]): this {
    return this.cmd('-A', chain, args);
  }

  /** Inserts at position `pos` (1 = first). */
  insert(chain: string, pos: number, args: readonly string[]): this {
    return this.cmd('-I', chain, [String(pos), ...args]);
  }

  delete(chain: string, args: readonly string[]): this {
    return this.cmd('-D', chain, args);
  }

  check(chain: string, args: readonly string[]): this {
    return this.cmd('-C', chain, args);
  }

  flush(chain: string): this {
    return this.cmd('-F', chain, []);
  }

  deleteChain(chain: string): this {
    return this.cmd('-X', chain, []);
  }

  get empty(): boolean {
    return this.lines.length === 0;
  }

  toString(): string {
    return `*${this.table}\n${this.lines.join('\n')}\nCOMMIT\n`;
  }

  private cmd(op: string, chain: string, args: readonly string[]): this {
    this.lines.push([op, chain, ...args].map(quoteArg).join(' '));
    return this;
  }
}

/** `iptables-save`/`iptables-restore` (or the ip6tables ones) found in PATH. */
export class IptablesBatch {
  readonly family: 4 | 6;
  readonly env: ToolEnv;
  private readonly savePath: string;
  private readonly restorePath: string;

  private constructor(family: 4 | 6, env: ToolEnv) {
    const p = family === 4 ? 'iptables' : 'ip6tables';
    this.family = family;
    this.env = env;
    this.savePath = lookPath(`${p}-save`, env);
    this.restorePath = lookPath(`${p}-restore`, env);
  }

  /** Finds the tools; throws `exec: "iptables-save": executable file not found in $PATH`. */
  static open(family: 4 | 6, env: ToolEnv = process.env): IptablesBatch {
    return new IptablesBatch(family, env);
  }

  /** The table as it is now (one process). */
  save(table: string): SavedTable {
    const args = ['-t', table];
    const r = runTool(this.savePath, args, { env: this.env });
    if (r.status !== 0) throw new IptablesBatchError([this.savePath, ...args], r.status, r.reason, r.stderr);
    return new SavedTable(table, r.stdout);
  }

  /** Applies the batch atomically (one process); nothing to do for an empty one. */
  restore(script: RestoreScript): void {
    if (script.empty) return;
    const args = ['--noflush', '--wait'];
    const r = runTool(this.restorePath, args, { env: this.env, input: script.toString() });
    if (r.status !== 0) throw new IptablesBatchError([this.restorePath, ...args], r.status, r.reason, r.stderr);
  }

  /** Runs a batch of `-C` lines: true when every rule (and chain) exists. */
  checkAll(script: RestoreScript): boolean {
    if (script.empty) return true;
    const r = runTool(this.restorePath, ['--noflush', '--wait'], { env: this.env, input: script.toString() });
    return r.status === 0;
  }
}
