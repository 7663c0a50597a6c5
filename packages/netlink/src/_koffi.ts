import { createRequire } from 'node:module';
import type * as KoffiModule from 'koffi';

export type Koffi = typeof KoffiModule;

/** The single-executable launcher stores the koffi module it extracted under this symbol. */
export const KOFFI_GLOBAL = Symbol.for('cni-ts.koffi');

let koffiModule: Koffi | undefined;

/**
 * Loads koffi on first use. Never import koffi statically: `VERSION` and config errors must not pay
 * for loading a native module, and the single-executable build hands us its own copy.
 */
export function koffi(): Koffi {
  if (koffiModule) return koffiModule;
  const injected = (globalThis as Record<symbol, unknown>)[KOFFI_GLOBAL] as Koffi | undefined;
  koffiModule = injected ?? (createRequire(import.meta.url)('koffi') as Koffi);
  return koffiModule;
}
