// The bandwidth binary: the skeleton answers VERSION before the plugin (zod, koffi) is loaded.
// Like upstream, from 0.3.0 on.
import { run, versionsStartingFrom } from '@cni-ts/cni/skel';

await run(() => import('./plugin'), { supportedVersions: versionsStartingFrom('0.3.0') });
