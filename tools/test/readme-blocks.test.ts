import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOT_HERE, shellBlocks } from './readme-blocks.ts';

describe('README command blocks', () => {
  it('finds blocks and their markers', () => {
    const md = ['x', '```sh', 'a', 'b', '```', '<!-- readme-test: not run here: another machine (the node) -->', '```sh', 'c', '```', '```js', 'no', '```'].join('\n');
    expect(shellBlocks(md)).toEqual([
      { line: 2, code: 'a\nb' },
      { line: 7, code: 'c', notHere: 'another machine (the node)' },
    ]);
  });

  it("README.md: every block not run by `pnpm test readme` says why, with an allowed reason", () => {
    const blocks = shellBlocks(readFileSync(join(resolve(import.meta.dirname, '../..'), 'README.md'), 'utf8'));
    expect(blocks.filter((b) => !b.notHere).length).toBeGreaterThan(2);
    for (const b of blocks.filter((x) => x.notHere)) expect(NOT_HERE.some((r) => b.notHere!.startsWith(r)), `README.md:${b.line}: ${b.notHere}`).toBe(true);
  });
});
