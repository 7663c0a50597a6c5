// Schemas built on first use. Building zod schemas is most of what evaluating @cni-ts/cni costs
// (~10 ms of a loopback ADD: the result schemas of three versions, runtimeConfig, conflists),
// and a command needs few of them. A lazy schema is a stand-in that builds the real one on the
// first access to any of its properties and forwards everything to it from then on.
import { goFields } from './go-types';

/**
 * `build` runs once, when the schema is first used (parsed, extended, wrapped, inspected). The
 * stand-in carries the built schema's goField annotation too, so Go-style errors read the same.
 */
export function lazySchema<T extends object>(build: () => T): T {
  let real: T | undefined;
  const proxy: T = new Proxy({} as T, {
    get: (_t, key) => Reflect.get(target(), key),
    set: (_t, key, value) => Reflect.set(target(), key, value),
    has: (_t, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor(_t, key) {
      const d = Reflect.getOwnPropertyDescriptor(target(), key);
      // A proxy may not report a property as non-configurable that its own target lacks.
      return d && { ...d, configurable: true };
    },
    defineProperty: (_t, key, d) => Reflect.defineProperty(target(), key, d),
    deleteProperty: (_t, key) => Reflect.deleteProperty(target(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(target()),
  });
  function target(): T {
    if (real === undefined) {
      real = build();
      const go = goFields.get(real as never);
      if (go) goFields.add(proxy as never, go);
    }
    return real;
  }
  return proxy;
}
