// The multi-call binary: one bundle holding every plugin, run as the plugin it is invoked as.
// The preamble (lib/preamble.mjs), which runs before this bundle, has already picked the plugin
// from basename(argv0), basename(execPath) or argv[2] and answered VERSION if it could.
// Everything else is evaluated lazily: a command loads only the plugin it runs.
import { plugins } from 'virtual:cni-ts-plugins';
import { installKoffi } from './koffi-global.ts';
import { unknownPlugin } from './usage.ts';

installKoffi();

const invoked = (globalThis as Record<symbol, unknown>)[Symbol.for('cni-ts.invoked')];
const load = typeof invoked === 'string' ? plugins[invoked] : undefined;
if (load) {
  load().catch((err: unknown) => {
    // main.ts handles its own errors; this only catches a plugin that failed to load at all.
    process.stderr.write(`${String((err as Error)?.message ?? err)}\n`);
    process.exitCode = 1;
  });
} else {
  unknownPlugin(Object.keys(plugins));
}
