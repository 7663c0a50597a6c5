// The nft command line as sigs.k8s.io/knftables and networkplumbing/go-nft drive it:
// transactions as nft script (or JSON) on stdin to `nft -f -`, listings with `nft --json list`.
import { lookPath, runTool, type ToolEnv } from './exec-tool';

/** A failed nft run; `msg` is nft's stderr (knftables' error text). */
export class NftError extends Error {
  readonly errno: 'ENOENT' | 'EEXIST' | undefined;
  constructor(message: string, errno?: 'ENOENT' | 'EEXIST') {
    super(message);
    this.name = 'NftError';
    this.errno = errno;
  }

  /** knftables.IsNotFound: the first line of nft's complaint is "No such file or directory". */
  get notFound(): boolean {
    return this.errno === 'ENOENT';
  }
}

function classify(stderr: string): 'ENOENT' | 'EEXIST' | undefined {
  const eol = stderr.indexOf('\n');
  const first = eol < 0 ? stderr : stderr.slice(0, eol);
  if (first.includes('No such file or directory')) return 'ENOENT';
  if (first.includes('File exists')) return 'EEXIST';
  return undefined;
}

/** A JSON object of `nft --json list ...` output ({"rule": {...}}, {"chain": {...}}). */
export type NftObject = Record<string, Record<string, unknown>>;

export class Nft {
  readonly path: string;
  readonly env: ToolEnv;
  private constructor(path: string, env: ToolEnv) {
    this.path = path;
    this.env = env;
  }

  /** Finds nft in PATH (`could not find nftables binary: ...`). */
  static open(env: ToolEnv = process.env): Nft {
    try {
      return new Nft(lookPath('nft', env), env);
    } catch (err) {
      throw new Error(`could not find nftables binary: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Runs nft; returns stdout, throws NftError with stderr (or the exit reason) on failure. */
  run(args: readonly string[], input?: string): string {
    const r = runTool(this.path, args, { env: this.env, ...(input !== undefined && { input }) });
    if (r.status !== 0) throw new NftError(r.stderr || r.reason, classify(r.stderr));
    return r.stdout;
  }

  /** Applies a transaction of nft commands atomically (`nft -f -`). */
  apply(script: string): void {
    this.run(['-f', '-'], script);
  }

  /**
   * Applies a JSON transaction (`{"nftables": [...]}`), as go-nft does. The JSON goes on the
   * command line (`nft -j '<json>'`): with -j, nft reads `-f -` by opening /dev/stdin, which
   * fails on the socket Node gives a child as stdin.
   */
  applyJson(commands: readonly unknown[]): void {
    this.run(['-j', JSON.stringify({ nftables: commands })]);
  }

  /** `nft --check -f -`: would the transaction apply? */
  check(script: string): void {
    this.run(['--check', '-f', '-'], script);
  }

  /** The objects of `nft --json list <what...>` (metainfo dropped). */
  list(...what: string[]): NftObject[] {
    const out = this.run(['--json', 'list', ...what]);
    let doc: { nftables?: NftObject[] };
    try {
      doc = JSON.parse(out) as { nftables?: NftObject[] };
    } catch (err) {
      throw new Error(`could not parse nft output: ${(err as Error).message}`, { cause: err });
    }
    const objects = doc.nftables ?? [];
    if (!objects[0]?.metainfo) throw new Error(`could not find metadata in nft output ${JSON.stringify(out)}`);
    return objects.slice(1);
  }
}

/** A rule of a listing: its chain, handle and comment. */
export interface NftRule {
  chain: string;
  handle: number;
  comment?: string;
  expr?: unknown[];
}

/** The rules in a listing. */
export function rulesOf(objects: readonly NftObject[]): NftRule[] {
  const out: NftRule[] = [];
  for (const o of objects) {
    const r = o.rule;
    if (!r) continue;
    out.push({
      chain: String(r.chain),
      handle: Number(r.handle),
      ...(typeof r.comment === 'string' && { comment: r.comment }),
      ...(Array.isArray(r.expr) && { expr: r.expr }),
    });
  }
  return out;
}

/**
 * utils.SupportsNFTables (knftables.New's sanity checks): nft is in PATH, at least v1.0.1, and
 * may create a table here.
 */
export function supportsNftables(env: ToolEnv = process.env): boolean {
  try {
    const nft = Nft.open(env);
    const version = nft.run(['--version']);
    if (/^nftables v0\.|^nftables v1\.0\.0 /.test(version)) return false;
    try {
      nft.check('add table ip supports_nftables_test { comment "test" ; }\n');
    } catch {
      nft.check('add table ip supports_nftables_test\n');
    }
    return true;
  } catch {
    return false;
  }
}

/** Go's %q for nft comments (knftables writes comments with fmt's %q). */
export function nftQuote(s: string): string {
  return JSON.stringify(s);
}
