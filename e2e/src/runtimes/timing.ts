// Time spent in plugins, from the shim's log: the sum of the top-level execs (a nested IPAM exec
// is inside its parent's time), with a breakdown per plugin and command.
import type { PluginExec } from './shim.ts';

export interface PluginTime {
  /** Sum of the top-level execs' durations, ms. */
  ms: number;
  /** Number of execs, nested ones included. */
  execs: number;
  /** "bridge ADD" -> count and summed ms (nested execs listed too, and counted in their parents). */
  by: Record<string, { n: number; ms: number }>;
}

export function pluginTime(execs: readonly PluginExec[]): PluginTime {
  const by: PluginTime['by'] = {};
  let ms = 0;
  for (const e of execs) {
    const key = `${e.plugin} ${e.command}${e.nested ? ' (nested)' : ''}`;
    const cell = (by[key] ??= { n: 0, ms: 0 });
    cell.n += 1;
    cell.ms += e.ms;
    if (!e.nested) ms += e.ms;
  }
  return { ms, execs: execs.length, by };
}

export function addTimes(a: PluginTime, b: PluginTime): PluginTime {
  const by: PluginTime['by'] = structuredClone(a.by);
  for (const [k, v] of Object.entries(b.by)) {
    const cell = (by[k] ??= { n: 0, ms: 0 });
    cell.n += v.n;
    cell.ms += v.ms;
  }
  return { ms: a.ms + b.ms, execs: a.execs + b.execs, by };
}

export const emptyTime = (): PluginTime => ({ ms: 0, execs: 0, by: {} });

export const median = (xs: readonly number[]): number => {
  if (!xs.length) return Number.NaN;
  const s = xs.toSorted((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const fmt = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(0).padStart(6) : '     –');

/**
 * A plain-text table: one row per label, one column pair per implementation
 * (plugin ms and execs), and the ratio ts/go where both exist.
 */
export function comparisonTable(rows: ReadonlyMap<string, Partial<Record<string, PluginTime>>>, impls: readonly string[]): string {
  const width = Math.max(10, ...[...rows.keys()].map((k) => k.length));
  const head = [`${'phase'.padEnd(width)}`, ...impls.map((i) => `${`${i} ms`.padStart(6)} ${'execs'.padStart(5)}`), 'ts/go'].join(' | ');
  const lines = [head, head.replace(/[^|]/g, '-')];
  for (const [label, byImpl] of rows) {
    const cells = impls.map((i) => {
      const t = byImpl[i];
      return t ? `${fmt(t.ms)} ${String(t.execs).padStart(5)}` : `${fmt(Number.NaN)} ${'–'.padStart(5)}`;
    });
    const go = byImpl.go?.ms;
    const ts = byImpl.ts?.ms;
    const ratio = go && ts ? `${(ts / go).toFixed(2)}x` : '–';
    lines.push([label.padEnd(width), ...cells, ratio].join(' | '));
  }
  return lines.join('\n');
}

/** The per plugin/command breakdown of one measurement, most expensive first. */
export function breakdown(t: PluginTime): string {
  return Object.entries(t.by)
    .toSorted((a, b) => b[1].ms - a[1].ms)
    .map(([k, v]) => `  ${k.padEnd(28)} n=${String(v.n).padStart(3)}  total ${v.ms.toFixed(1).padStart(7)} ms  mean ${(v.ms / v.n).toFixed(1).padStart(6)} ms`)
    .join('\n');
}
