import { run } from '@cni-ts/cni/skel';
import { routeOverride } from './plugin';

await run(routeOverride);
