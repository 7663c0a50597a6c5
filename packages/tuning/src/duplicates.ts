// Upstream (v1.2.0+) rejects a config whose `sysctl` object names a key twice. JSON.parse keeps
// the last value silently, so the raw stdin is scanned here: the top-level keys that Go would
// decode into `sysctl` (matched case-insensitively) and, for object values, their keys.
import { foldEq } from '@cni-ts/cni';

const WS = new Set([' ', '\t', '\n', '\r']);

class Scanner {
  i = 0;
  readonly s: string;
  constructor(s: string) {
    this.s = s;
  }
  ws(): void {
    while (WS.has(this.s[this.i]!)) this.i++;
  }
  str(): string {
    const start = this.i;
    this.i++;
    while (this.s[this.i] !== '"') this.i += this.s[this.i] === '\\' ? 2 : 1;
    this.i++;
    return JSON.parse(this.s.slice(start, this.i)) as string;
  }
  /** Skips one value; for an object, returns its keys in order. */
  value(): string[] | undefined {
    this.ws();
    const c = this.s[this.i];
    if (c === '"') {
      this.str();
    } else if (c === '{' || c === '[') {
      const keys: string[] = [];
      const close = c === '{' ? '}' : ']';
      this.i++;
      this.ws();
      while (this.s[this.i] !== close) {
        if (c === '{') {
          keys.push(this.str());
          this.ws();
          this.i++; // ':'
        }
        this.value();
        this.ws();
        if (this.s[this.i] === ',') this.i++;
        this.ws();
      }
      this.i++;
      return c === '{' ? keys : undefined;
    } else {
      while (this.i < this.s.length && !/[,}\]\s]/.test(this.s[this.i]!)) this.i++;
    }
    return undefined;
  }
}

/** The sysctl keys written more than once (stdin must be valid JSON: the skeleton checked). */
export function duplicateSysctlKeys(stdin: Uint8Array | string): string[] {
  const text = typeof stdin === 'string' ? stdin : new TextDecoder().decode(stdin);
  const sc = new Scanner(text);
  sc.ws();
  if (sc.s[sc.i] !== '{') return [];
  sc.i++;
  const seen = new Set<string>();
  const dups: string[] = [];
  sc.ws();
  while (sc.i < text.length && sc.s[sc.i] !== '}') {
    const key = sc.str();
    sc.ws();
    sc.i++; // ':'
    const keys = sc.value();
    if (keys && foldEq(key, 'sysctl')) {
      for (const k of keys) {
        if (seen.has(k)) dups.push(k);
        seen.add(k);
      }
    }
    sc.ws();
    if (sc.s[sc.i] === ',') sc.i++;
    sc.ws();
  }
  return dups;
}
