// Lets a plain Node 24 child import the package's TypeScript sources: Node strips the types, and
// this hook adds the `.ts` extension the sources leave out (they are written for a bundler).
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (err) {
      if (specifier.startsWith('.') && !specifier.endsWith('.ts')) return next(`${specifier}.ts`, context);
      throw err;
    }
  },
});
