import { defineConfig } from 'tsdown';
import { baseConfig } from '../../tsdown.config.ts';

// The library and the standalone binary entry (the plugin, `dhcp daemon`, `dhcp status`).
export default defineConfig({ ...baseConfig, entry: { index: 'src/index.ts', main: 'src/main.ts' } });
