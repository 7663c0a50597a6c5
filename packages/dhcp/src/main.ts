// The dhcp binary: the plugin, and `dhcp daemon` / `dhcp status`, one executable as upstream's.
import { run } from '@cni-ts/cni/skel';
import { dhcp, subcommand } from './plugin';

const sub = subcommand(process.argv, process.argv0);
if (sub) void sub.then((code) => process.exit(code));
else void run(dhcp);
