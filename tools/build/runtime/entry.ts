// The entry of one plugin's bundle. The binary's main script (lib/preamble.mjs) has already picked
// the plugin from basename(argv0), basename(execPath) or argv[2], answered VERSION if it could,
// and loaded this plugin's bundle only. The plugin's main module is an inlined dynamic import, so
// it is evaluated after koffi's loader is in place.
import { plugins } from 'virtual:cni-ts-plugins';
import { installKoffi } from './koffi-global.ts';

installKoffi();

const invoked = (globalThis as Record<symbol, unknown>)[Symbol.for('cni-ts.invoked')];
const load = typeof invoked === 'string' ? plugins[invoked] : undefined;
if (!load) throw new Error(`this bundle holds ${Object.keys(plugins).join(', ')}, not ${String(invoked)}`);
load().catch((err: unknown) => {
  // main.ts handles its own errors; this only catches a plugin that failed to load at all.
  process.stderr.write(`${String((err as Error)?.message ?? err)}\n`);
  process.exitCode = 1;
});
