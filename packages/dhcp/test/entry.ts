// The dhcp binary from source, for the root tests (the build takes src/main.ts once the
// plugin entry exists; this file is the same two lines).
import { run } from '@cni-ts/cni/skel';
import { dhcp, subcommand } from '../src/plugin';

const sub = subcommand(process.argv, process.argv0);
if (sub) process.exit(await sub);
else await run(dhcp);
