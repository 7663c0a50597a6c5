// The multus-shim binary (src/main.ts: the build tool bundles it as the plugin multus-shim).
import { CNI_TS_COMMIT, CNI_TS_VERSION, run } from '@cni-ts/cni/skel';
import { shim } from './shim';

if (process.argv.slice(2).some((a) => a === '-v' || a === '-version' || a === '--version')) {
  process.stdout.write(`multus-shim: version:${CNI_TS_VERSION}(cni-ts), commit:${CNI_TS_COMMIT}, date:unknown date\n`);
  process.exit(0);
}
await run(shim);
