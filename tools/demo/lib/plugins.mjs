// Which plugin binary the demo uses for each type: ours, installed with `pnpm cni install`
// (link mode: the multi-call binary plus a hard link per plugin, which the chain recognises
// and runs in-process), else the Go reference plugin from /usr/lib/cni, else none (skipped).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './sh.mjs';

export const GO_DIR = '/usr/lib/cni';

/** `node tools/cni.mjs install --dest <dir>`; returns {ok, seconds, log}. */
export function installOurs(root, node, dest) {
  const started = performance.now();
  const r = run([node, join(root, 'tools/cni.mjs'), 'install', '--dest', dest], { timeout: 600_000 });
  return { ok: r.status === 0, seconds: (performance.now() - started) / 1000, log: (r.stdout + r.stderr).trim() };
}

/**
 * @param {string[]} types
 * @param {string} oursDir
 * @param {{oursOnly?: boolean}} opts
 * @returns {Record<string, {from: 'ours' | 'go' | 'missing', path?: string}>}
 */
export function resolvePlugins(types, oursDir, opts = {}) {
  const out = {};
  for (const type of types) {
    if (existsSync(join(oursDir, type))) out[type] = { from: 'ours', path: join(oursDir, type) };
    else if (!opts.oursOnly && existsSync(join(GO_DIR, type))) out[type] = { from: 'go', path: join(GO_DIR, type) };
    else out[type] = { from: 'missing' };
  }
  return out;
}
