// The static binary: the skeleton answers VERSION before the plugin (zod) is loaded.
import { run } from '@cni-ts/cni/skel';

await run(() => import('./plugin'));
