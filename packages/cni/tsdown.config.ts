import { defineConfig } from 'tsdown';
import { baseConfig } from '../../tsdown.config.ts';

// Two entries: the barrel, and the skeleton alone ('@cni-ts/cni/skel') for plugin binaries.
export default defineConfig({ ...baseConfig, entry: { index: 'src/index.ts', skel: 'src/skel/index.ts' } });
