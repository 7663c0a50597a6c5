// The firewall binary: the skeleton answers VERSION before the plugin (zod, koffi) is loaded.
import { run } from '@cni-ts/cni/skel';
import { SUPPORTED_VERSIONS } from './versions';

await run(() => import('./plugin'), { supportedVersions: SUPPORTED_VERSIONS });
