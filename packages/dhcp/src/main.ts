// The dhcp binary: the plugin, and `dhcp daemon` / `dhcp status`, one executable as upstream's.
// The skeleton answers VERSION before the plugin (zod, net/rpc) is loaded.
import { run } from '@cni-ts/cni/skel';
import { subcommand } from './subcommand';

const sub = subcommand(process.argv, process.argv0);
// No top-level await before run(): the binary's bundle is CommonJS (see tools/build/lib/bundle.mjs).
if (sub) {
  sub.then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`dhcp: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
} else {
  await run(() => import('./plugin'));
}
