import { run } from '@cni-ts/cni/skel';
import { staticIpam } from './plugin';

await run(staticIpam);
