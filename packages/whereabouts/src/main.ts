// The whereabouts binary: the skeleton answers VERSION before the plugin (zod, the stores) is loaded.
import { run } from '@cni-ts/cni/skel';

await run(() => import('./plugin'));
