import { defineConfig } from 'tsdown';
import { baseConfig } from '../../tsdown.config.ts';

// The library (server, pool, protocol) and the `serve` program.
export default defineConfig({ ...baseConfig, entry: { index: 'src/index.ts', serve: 'src/serve.ts' } });
