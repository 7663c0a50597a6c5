import { run } from '@cni-ts/cni/skel';
import { macvlan } from './plugin';

await run(macvlan);
