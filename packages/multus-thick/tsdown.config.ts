import { defineConfig } from 'tsdown';
import { baseConfig } from '../../tsdown.config.ts';

export default defineConfig({ ...baseConfig, entry: ['src/index.ts', 'src/daemon-main.ts', 'src/main.ts', 'src/entrypoint-main.ts'] });
