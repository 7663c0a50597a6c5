// (Copy of packages/cni/test/ts-hooks.mjs: test helpers of packages do not import each other.)
// Lets Node 24 run this monorepo's TypeScript sources directly (tests only):
//   node --conditions=source --import <this file> entry.ts
// Node strips the types itself; this hook only adds the extension-less resolution that the
// sources use (moduleResolution "bundler"): './x' -> './x.ts' or './x/index.ts'.
import { registerHooks } from 'node:module';

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
