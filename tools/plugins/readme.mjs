#!/usr/bin/env node
// The plugin table of the repository's README, generated from the plugin list (tools/build/lib/
// plugins.mjs): `pnpm readme` rewrites it; tools/plugins/readme.test.ts fails when it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { discoverPlugins } from '../build/lib/plugins.mjs';

export const BEGIN = '<!-- plugins: generated from the workspace by `pnpm readme`; do not edit by hand -->';
export const END = '<!-- /plugins -->';

/** The table: one row per plugin, in the list's order. */
export function pluginTable(root) {
  const rows = discoverPlugins(root).map((p) => `| \`${p.name}\` | \`${relative(root, p.dir)}\` | ${p.kind} | ${p.description.replaceAll('|', '\\|')} |`);
  return ['| plugin | package | kind | what |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The README text with its generated block replaced by the current table. */
export function renderReadme(root, text = readFileSync(join(root, 'README.md'), 'utf8')) {
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${BEGIN} ... ${END} block`);
  return `${text.slice(0, a + BEGIN.length)}\n${pluginTable(root)}\n${text.slice(b)}`;
}

/** Rewrites README.md when its table is stale; returns whether it changed. */
export function updateReadme(root) {
  const file = join(root, 'README.md');
  const text = readFileSync(file, 'utf8');
  const next = renderReadme(root, text);
  if (next === text) return false;
  writeFileSync(file, next);
  return true;
}

if (import.meta.main) {
  const root = join(import.meta.dirname, '../..');
  process.stdout.write(updateReadme(root) ? 'README.md: plugin table updated\n' : 'README.md: plugin table up to date\n');
}
