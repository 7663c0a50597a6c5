// /etc/cni/tuning/allowlist.conf (upstream v1.2.0+): when the file exists, every sysctl key must
// match one of its lines, each a Go RE2 regular expression matched anywhere in the raw key.
import { readFileSync } from 'node:fs';
import { CniError, ErrCode } from '@cni-ts/cni';
import { pathErrorText } from '@cni-ts/plugin-kit';

/** Where upstream reads the sysctl allow-list from. */
export const DEFAULT_ALLOWLIST = '/etc/cni/tuning/allowlist.conf';

/** The patterns of the file, or undefined when it does not exist (no restriction). */
export function readAllowlist(file: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(pathErrorText('open', file, err), { cause: err });
  }
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/**
 * A Go RE2 pattern as a JS RegExp. The common RE2-only spellings are translated (a leading
 * `(?flags)`, `(?P<name>`, `\A`, `\z`, `[[:class:]]`); the rest of the syntax is shared.
 */
export function goRegExp(pattern: string): RegExp {
  let src = pattern;
  let flags = 'u';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    src = src.slice(lead[0].length);
    for (const f of lead[1]!) if (f !== 'U' && !flags.includes(f)) flags += f;
  }
  src = src
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '(?<![\\s\\S])')
    .replace(/\\z/g, '$(?![\\s\\S])')
    .replace(/\[:(\w+):\]/g, (m, name: string) => POSIX[name] ?? m);
  try {
    return new RegExp(src, flags);
  } catch (err) {
    throw new Error(`error parsing regexp: ${(err as Error).message}: \`${pattern}\``, { cause: err });
  }
}

/**
 * validateSysctlConf: every key must match some pattern. Patterns are compiled in order and only
 * as far as needed, so (as upstream) an invalid line fails only a key that reaches it.
 */
export function checkAllowed(keys: readonly string[], patterns: readonly string[]): void {
  for (const key of keys) {
    const ok = patterns.some((p) => goRegExp(p).test(key));
    if (!ok) {
      throw new CniError(
        ErrCode.internal,
        `Sysctl ${key} is not allowed. Only the following sysctls are allowed: [${patterns.join(' ')}]`,
        `sysctl.${key}`,
      );
    }
  }
}
