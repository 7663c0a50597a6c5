// Command-line flags as upstream's programs parse them: the daemon with Go's `flag` package
// (`-name`, `--name`, `-name=value`, `-name value` for non-bool flags, parsing stops at the
// first argument that is not a flag), the entrypoint with spf13/pflag (`--name`,
// `--name=value`, `--name value` for non-bool flags, `-h`). A bool flag takes a value only
// after `=`. An unknown flag, a missing value or a bad bool is an error (exit 2 for Go's
// flag, 1 for the entrypoint), never ignored.
export interface FlagSpec {
  type: 'string' | 'bool';
  /** Several occurrences are kept (ours: --install); otherwise the last one wins. */
  repeat?: boolean;
  help: string;
  default?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

export class FlagError extends Error {
  constructor(message: string, readonly help = false) {
    super(message);
    this.name = 'FlagError';
  }
}

export interface Parsed {
  values: Map<string, string[]>;
  /** What came after the flags. */
  rest: string[];
}

const BOOLS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);
const truthy = (v: string) => ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);

/**
 * Parses `argv`. `style` 'go': one or two dashes, stops at the first non-flag; 'posix' (pflag):
 * two dashes for names, a lone `-h`, non-flag arguments are collected and parsing goes on.
 */
export function parseFlags(argv: readonly string[], specs: FlagSpecs, style: 'go' | 'posix'): Parsed {
  const values = new Map<string, string[]>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    const dashes = a.startsWith('--') ? 2 : a.startsWith('-') && a.length > 1 ? 1 : 0;
    if (dashes === 0 || (style === 'posix' && dashes === 1 && a !== '-h')) {
      if (dashes === 1) throw new FlagError(`unknown shorthand flag: '${a.slice(1, 2)}' in ${a}`);
      if (style === 'go') {
        rest.push(...argv.slice(i));
        break;
      }
      rest.push(a);
      continue;
    }
    const body = a.slice(dashes);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    if (name === 'h' || name === 'help') throw new FlagError('help requested', true);
    const spec = specs[name];
    if (!spec) throw new FlagError(style === 'go' ? `flag provided but not defined: -${name}` : `unknown flag: --${name}`);
    let value: string;
    if (spec.type === 'bool') {
      value = eq < 0 ? 'true' : body.slice(eq + 1);
      if (!BOOLS.has(value)) throw new FlagError(`invalid boolean value ${JSON.stringify(value)} for -${name}: parse error`);
      value = truthy(value) ? 'true' : 'false';
    } else if (eq >= 0) value = body.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: ${style === 'go' ? '-' : '--'}${name}`);
      value = argv[++i]!;
    }
    values.set(name, spec.repeat ? [...(values.get(name) ?? []), value] : [value]);
  }
  return { values, rest };
}

/** The usage text (Go's PrintDefaults layout). */
export function usage(program: string, specs: FlagSpecs, style: 'go' | 'posix'): string {
  const lines = [`Usage of ${program}:`];
  for (const [name, s] of Object.entries(specs)) {
    const flag = `${style === 'go' ? '-' : '--'}${name}${s.type === 'string' ? ' string' : ''}`;
    lines.push(`  ${flag}`, `    \t${s.help}${s.default ? ` (default ${JSON.stringify(s.default)})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Accessors over parsed values with the specs' defaults. */
export function flagValues(p: Parsed, specs: FlagSpecs) {
  const one = (name: string) => p.values.get(name)?.at(-1) ?? specs[name]?.default ?? '';
  return {
    one,
    all: (name: string) => p.values.get(name) ?? [],
    bool: (name: string) => one(name) === 'true',
    has: (name: string) => p.values.has(name),
  };
}
