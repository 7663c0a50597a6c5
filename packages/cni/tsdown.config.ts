import { defineConfig } from 'tsdown';
import { baseConfig } from '../../tsdown.config.ts';

// Entries: the barrel, the skeleton alone ('@cni-ts/cni/skel') for plugin binaries, and the
// light subsets command modules import ('@cni-ts/cni/ip', '@cni-ts/cni/schema', '@cni-ts/cni/fs').
export default defineConfig({
  ...baseConfig,
  entry: { index: 'src/index.ts', skel: 'src/skel/index.ts', ip: 'src/ip.ts', schema: 'src/schema/index.ts', fs: 'src/fs/atomic.ts' },
});
