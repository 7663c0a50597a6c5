// Durations written in Go's syntax, as the daemons' flags and configs upstream take them
// (time.ParseDuration): dhcp's -timeout flags, Multus's perNodeCertificate.certDuration.

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in milliseconds ("10s", "1m30s", "250ms", "1.5h"; a unit is required except for "0"). */
export function parseGoDuration(s: string): number {
  const orig = s;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`time: invalid duration ${JSON.stringify(orig)}`);
  let total = 0;
  while (s !== '') {
    const m = /^([0-9]*(?:\.[0-9]*)?)([a-zµμ]*)/.exec(s);
    if (!m || m[1] === '' || m[1] === '.') throw new Error(`time: invalid duration ${JSON.stringify(orig)}`);
    if (m[2] === '') throw new Error(`time: missing unit in duration ${JSON.stringify(orig)}`);
    const unit = UNITS[m[2]!];
    if (unit === undefined) throw new Error(`time: unknown unit ${JSON.stringify(m[2])} in duration ${JSON.stringify(orig)}`);
    total += Number(m[1]) * unit;
    s = s.slice(m[0].length);
  }
  return neg ? -total : total;
}
