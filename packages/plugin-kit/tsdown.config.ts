import { defineConfig } from 'tsdown';
import { baseConfig } from '../../tsdown.config.ts';

// Entries: the barrel, and the lazy Plugin wrapper alone ('@cni-ts/plugin-kit/lazy-plugin') that
// plugin.ts files import at start-up.
export default defineConfig({ ...baseConfig, entry: { index: 'src/index.ts', 'lazy-plugin': 'src/lazy-plugin.ts' } });
