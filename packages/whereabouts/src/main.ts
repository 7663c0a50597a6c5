import { run } from '@cni-ts/cni/skel';
import { whereabouts } from './plugin';

await run(whereabouts);
