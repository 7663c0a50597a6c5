// The entry of one plugin's bundle. The binary's main script (lib/preamble.mjs) has already picked
// the plugin from basename(argv0), basename(execPath) or argv[2], answered VERSION if it could,
// and loaded this plugin's bundle only. The plugin's main module is an inlined dynamic import, so
// it is evaluated after koffi's loader is in place. First of all, the catalog of the plugins this
// one may run in-process (lib/plugins.mjs catalogFor) is installed, each a lazily evaluated module.
import 'virtual:cni-ts-catalog';
import { parts, plugins } from 'virtual:cni-ts-plugins';
import { installKoffi } from './koffi-global.ts';

installKoffi();

const invoked = (globalThis as Record<symbol, unknown>)[Symbol.for('cni-ts.invoked')];
const load = typeof invoked === 'string' ? plugins[invoked] : undefined;
if (!load) throw new Error(`this bundle holds ${Object.keys(plugins).join(', ')}, not ${String(invoked)}`);
// The build's check (CNI_TS_CODE_CACHE_CHECK with VERSION, which has no other effect) also loads
// the plugin's on-demand parts, so that their code caches are reported too (runtime/on-demand.ts).
const check = process.env.CNI_TS_CODE_CACHE_CHECK && process.env.CNI_COMMAND === 'VERSION';
(check ? Promise.all(Object.values(parts).map((p) => p())).then(() => load()) : load())
  .catch((err: unknown) => {
    // main.ts handles its own errors; this only catches a plugin that failed to load at all.
    // Inside the resident server's worker, the hook that waits for this plugin is told instead.
    const failed = (globalThis as Record<symbol, unknown>)[Symbol.for('cni-ts.serve-failed')];
    if (typeof failed === 'function') return void failed(err);
    process.stderr.write(`${String((err as Error)?.message ?? err)}\n`);
    process.exitCode = 1;
  });
