import { run } from '@cni-ts/cni/skel';
import { ipvlan } from './plugin';

await run(ipvlan);
