import { defineConfig } from 'tsdown';
import { baseConfig } from '../../tsdown.config.ts';

// Two entries: the library barrel and the `cni-ts` command (bin).
export default defineConfig({ ...baseConfig, entry: { index: 'src/index.ts', cli: 'src/cli.ts' } });
