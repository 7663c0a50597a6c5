// The dhcp binary: the plugin, and `dhcp daemon` / `dhcp status`, one executable as upstream's.
// The skeleton answers VERSION before the plugin (zod, net/rpc) is loaded.
import { run } from '@cni-ts/cni/skel';
import { subcommand } from './subcommand';

const sub = subcommand(process.argv, process.argv0);
if (sub) process.exit(await sub);
await run(() => import('./plugin'));
