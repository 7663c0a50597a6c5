import { run } from '@cni-ts/cni/skel';
import { bridge } from './plugin';

await run(bridge);
