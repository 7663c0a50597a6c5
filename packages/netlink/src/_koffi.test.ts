import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

describe('koffi loading', () => {
  it('is not loaded by importing the package', () => {
    // A fresh Node process: import the whole barrel, then look for koffi in the CJS cache.
    const script = `
      import '${join(import.meta.dirname, '../test/helpers/load-src.mjs')}';
      import { createRequire } from 'node:module';
      await import('${join(import.meta.dirname, 'index.ts')}');
      const loaded = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/koffi/'));
      console.log(loaded ? 'loaded' : 'lazy');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('lazy');
  });

  it('prefers the module the single-executable launcher put on globalThis', async () => {
    vi.resetModules();
    const fake = { load: () => ({}) };
    const key = Symbol.for('cni-ts.koffi');
    (globalThis as Record<symbol, unknown>)[key] = fake;
    try {
      const { koffi } = await import('./_koffi');
      expect(koffi()).toBe(fake);
    } finally {
      delete (globalThis as Record<symbol, unknown>)[key];
      vi.resetModules();
    }
  });

  it('otherwise requires koffi 3', async () => {
    vi.resetModules();
    const { koffi } = await import('./_koffi');
    expect(koffi().version).toBe('3.3.4');
  });
});
