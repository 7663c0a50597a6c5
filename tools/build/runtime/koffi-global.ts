// @cni-ts/netlink looks up koffi at globalThis[Symbol.for('cni-ts.koffi')] before falling back to
// require('koffi'), which a single-executable binary cannot do. The getter loads the bundled koffi
// (its native half comes from the SEA asset, see koffi-native.ts) only when netlink first asks,
// so commands that never touch the kernel never pay for it.
const KEY = Symbol.for('cni-ts.koffi');

export function installKoffi(): void {
  Object.defineProperty(globalThis, KEY, {
    configurable: true,
    enumerable: false,
    get() {
      const koffi: unknown = require('koffi');
      Object.defineProperty(globalThis, KEY, { value: koffi, configurable: true, enumerable: false, writable: false });
      return koffi;
    },
  });
}
