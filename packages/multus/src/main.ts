// The multus binary (thin plugin). `-v`/`-version` prints the version as upstream's binary does.
import { CNI_TS_COMMIT, CNI_TS_VERSION, run } from '@cni-ts/cni/skel';
import { multus } from './plugin';

if (process.argv.slice(2).some((a) => a === '-v' || a === '-version' || a === '--version')) {
  process.stdout.write(`multus: version:${CNI_TS_VERSION}(cni-ts), commit:${CNI_TS_COMMIT}, date:unknown date\n`);
  process.exit(0);
}
await run(multus);
