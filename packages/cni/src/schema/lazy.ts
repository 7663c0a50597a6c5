// Schemas built on first use. Building zod schemas is most of what evaluating @cni-ts/cni costs
// (~10 ms of a loopback ADD: the result schemas of three versions, runtimeConfig, conflists),
// and a command needs few of them. A lazy schema is a stand-in that builds the real one on the
// first access to any of its properties and forwards everything to it from then on (its Go
// type too: annotations live on the definition, which the stand-in forwards).

/** `build` runs once, when the schema is first used (parsed, extended, wrapped, inspected). */
export function lazySchema<T extends object>(build: () => T): T {
  let real: T | undefined;
  const target = (): T => (real ??= build());
  return new Proxy({} as T, {
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
}
