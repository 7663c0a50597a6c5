import { defineConfig } from 'tsdown';
import { baseConfig } from '../../tsdown.config.ts';

// `./pageout` is its own entry so that a process using only it (multus-daemon) does not load
// the whole rtnetlink codec.
export default defineConfig({ ...baseConfig, entry: { index: 'src/index.ts', pageout: 'src/pageout.ts', ffi: 'src/ffi.ts' } });
