// Go's `flag` package as `dhcp daemon` uses it: `-name value`, `-name=value`, `--name`, bool
// flags without a value, durations in Go's syntax ("10s", "1m30s", "250ms").

import { parseGoDuration } from '@cni-ts/cni';

export class FlagError extends Error {
  override name = 'FlagError';
}

/** time.ParseDuration, in milliseconds (@cni-ts/cni's), failing with a FlagError. */
export function parseDuration(s: string): number {
  try {
    return parseGoDuration(s);
  } catch (err) {
    throw new FlagError((err as Error).message);
  }
}

export type FlagSpec = Record<string, { kind: 'string' | 'bool' | 'duration'; usage: string; default: string | boolean | number }>;
export type FlagValues<S extends FlagSpec> = { [K in keyof S]: S[K]['kind'] extends 'bool' ? boolean : S[K]['kind'] extends 'duration' ? number : string };

/** Parses like a Go FlagSet with ExitOnError (the caller prints the error and usage, exits 2). */
export function parseFlags<S extends FlagSpec>(spec: S, argv: string[]): { values: FlagValues<S>; rest: string[] } {
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) values[k] = v.default;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    const body = a.startsWith('--') ? a.slice(2) : a.slice(1);
    if (body === '' || body.startsWith('-') || body.startsWith('=')) throw new FlagError(`bad flag syntax: ${a}`);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const f = spec[name];
    if (!f) throw new FlagError(`flag provided but not defined: -${name}`);
    let raw: string | undefined = eq < 0 ? undefined : body.slice(eq + 1);
    if (f.kind === 'bool') {
      if (raw === undefined) values[name] = true;
      else if (/^(1|t|T|TRUE|true|True)$/.test(raw)) values[name] = true;
      else if (/^(0|f|F|FALSE|false|False)$/.test(raw)) values[name] = false;
      else throw new FlagError(`invalid boolean value ${JSON.stringify(raw)} for -${name}: parse error`);
      continue;
    }
    if (raw === undefined) {
      if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: -${name}`);
      raw = argv[++i]!;
    }
    if (f.kind === 'duration') {
      try {
        values[name] = parseDuration(raw);
      } catch {
        throw new FlagError(`invalid value ${JSON.stringify(raw)} for flag -${name}: parse error`);
      }
    } else values[name] = raw;
  }
  return { values: values as FlagValues<S>, rest: argv.slice(i) };
}

export function usage(name: string, spec: FlagSpec): string {
  const lines = [`Usage of ${name}:`];
  for (const [k, v] of Object.entries(spec).toSorted(([a], [b]) => a.localeCompare(b))) {
    const type = v.kind === 'bool' ? '' : v.kind === 'duration' ? ' duration' : ' string';
    const def = v.kind === 'duration' ? ` (default ${formatDuration(v.default as number)})` : v.default && v.kind === 'string' ? ` (default ${JSON.stringify(v.default)})` : '';
    lines.push(`  -${k}${type}`, `    \t${v.usage}${def}`);
  }
  return `${lines.join('\n')}\n`;
}

/** time.Duration.String() for whole milliseconds. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  if (ms < 1000) return `${ms}ms`;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}
