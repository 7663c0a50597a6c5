// Lets Node 24 run this monorepo's TypeScript sources directly (tests and dev runs only):
//   node --conditions=source --import <this file> entry.ts
// Node strips the types itself; this hook adds the extension-less resolution that the sources
// use (moduleResolution "bundler"): './x' -> './x.ts' or './x/index.ts'. And, as the binary's
// entry does from the build, it installs the catalog of our plugins (every workspace package
// with a src/plugin.ts, tools/build/lib/plugins.mjs), so a chain run from source can run them
// in-process.
import { registerHooks } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { catalogFor, discoverPlugins } from '../../../tools/build/lib/plugins.mjs';

const CANDIDATES = ['.ts', '/index.ts'];

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      const relative = specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:');
      if (!relative || /\.[cm]?[jt]s$/.test(specifier)) throw err;
      for (const ext of CANDIDATES) {
        try {
          return nextResolve(specifier + ext, context);
        } catch {
          // try the next candidate
        }
      }
      throw err;
    }
  },
});

const root = join(import.meta.dirname, '../../..');
globalThis[Symbol.for('cni-ts.plugins')] ??= Object.fromEntries(
  catalogFor(discoverPlugins(root)).map((p) => [p.name, () => import(pathToFileURL(p.plugin).href)]),
);
