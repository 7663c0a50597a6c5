import type { UserConfig } from 'tsdown';

/** Shared by every package's tsdown.config.ts: ESM for Node 24, sources under src/. */
export const baseConfig: UserConfig = {
  entry: ['src/index.ts'],
  format: 'esm',
  platform: 'node',
  target: 'node24',
  dts: true,
  clean: true,
  sourcemap: false,
};
