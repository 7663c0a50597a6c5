import { run } from '@cni-ts/cni/skel';
import { tuning } from './plugin';

await run(tuning);
