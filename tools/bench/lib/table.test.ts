import { describe, expect, it } from 'vitest';
import { BEGIN, END, renderTable, replaceBlock } from './table.mjs';
import { quantile, summary } from './stats.mjs';

describe('bench statistics', () => {
  it('interpolates quantiles', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(summary([5, 1, 3])).toEqual({ n: 3, median: 3, p10: 1.4, p90: 4.6 });
  });
});

describe('bench table', () => {
  const rows = new Map([
    [
      'VERSION loopback',
      new Map([
        ['cni-ts', { ms: [30, 32, 34], cpu: [20, 21, 22], rss: [40 * 1024] }],
        ['Go', { ms: [2, 3, 4], cpu: [1, 2, 3], rss: [4 * 1024] }],
      ]),
    ],
    ['loopback ADD', new Map([['cni-ts', { ms: [] as number[], cpu: [] as number[], rss: [] as number[], error: 'exit 1' }]])],
  ]);

  it('shows medians with p10–p90 and ratios to Go, then peak RSS', () => {
    const t = renderTable(rows, ['cni-ts', 'Go']);
    const lines = t.split('\n');
    expect(lines[0]).toBe('Wall time, ms: median (p10–p90)');
    expect(lines[2]).toBe('| case | cni-ts | Go | cni-ts ÷ Go |');
    expect(t).toContain('| VERSION loopback | 32.0 (30.4–33.6) | 3.00 (2.20–3.80) | 10.7× |');
    expect(t).toContain('| loopback ADD | error: exit 1 | – | – |');
    expect(t).toContain('| VERSION loopback | 21.0 | 2.00 | 10.5× |');
    expect(t).toContain('Peak RSS, MiB: median');
    expect(t).toContain('| VERSION loopback | 40.0 | 4.0 | 10.0× |');
    expect(t).toContain('| loopback ADD | – | – | – |');
  });

  it('replaces only the generated block', () => {
    const doc = `# perf\n\nintro\n\n${BEGIN}\nold\n${END}\n\nafter\n`;
    expect(replaceBlock(doc, 'new')).toBe(`# perf\n\nintro\n\n${BEGIN}\nnew\n${END}\n\nafter\n`);
    expect(replaceBlock('# perf\n', 'new')).toBe(`# perf\n\n${BEGIN}\nnew\n${END}\n`);
  });
});
