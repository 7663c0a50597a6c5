import { run } from '@cni-ts/cni/skel';
import { hostLocal } from './plugin';

await run(hostLocal);
