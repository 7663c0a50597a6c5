// The vlan binary: the skeleton answers VERSION before the plugin (zod, koffi) is loaded.
import { run } from '@cni-ts/cni/skel';

await run(() => import('./plugin'));
