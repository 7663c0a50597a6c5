import { defineConfig } from 'tsdown';
import { baseConfig } from '../../tsdown.config.ts';

// The library (the plugin object and its schema) and the standalone binary entry.
export default defineConfig({ ...baseConfig, entry: { index: 'src/index.ts', main: 'src/main.ts' } });
