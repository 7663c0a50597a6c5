// The vrf binary: the skeleton answers VERSION before the plugin (zod, koffi) is loaded. Spec
// versions from 0.3.1, as upstream.
import { run, versionsStartingFrom } from '@cni-ts/cni/skel';

await run(() => import('./plugin'), { supportedVersions: versionsStartingFrom('0.3.1') });
