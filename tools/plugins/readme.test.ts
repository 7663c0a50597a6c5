import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BEGIN, pluginTable, renderReadme } from './readme.mjs';

const root = join(import.meta.dirname, '../..');

describe('the README plugin table', () => {
  it('is the plugin list of the workspace (run `pnpm readme` after adding a plugin)', () => {
    const text = readFileSync(join(root, 'README.md'), 'utf8');
    expect(text).toContain(BEGIN);
    expect(renderReadme(root, text), 'README.md is stale: run `pnpm readme`').toBe(text);
  });

  it('lists every package with a src/main.ts', () => {
    const table = pluginTable(root);
    for (const name of ['loopback', 'host-local', 'macvlan', 'bridge', 'multus']) expect(table).toContain(`| \`${name}\` |`);
  });
});
