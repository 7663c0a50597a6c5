import { run } from '@cni-ts/cni/skel';
import { hostDevice } from './plugin';

await run(hostDevice);
