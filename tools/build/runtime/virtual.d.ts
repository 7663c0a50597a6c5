// Modules the build generates (tools/build/lib/bundle.mjs).
declare module 'virtual:cni-ts-plugins' {
  /** plugin name -> evaluates that plugin's `src/main.ts` (which runs the whole binary). */
  export const plugins: Record<string, () => Promise<unknown>>;
  /** on-demand part (`<plugin>.<part>`) -> loads it (runtime/on-demand.ts). */
  export const parts: Record<string, () => Promise<unknown>>;
}

declare module 'virtual:cni-ts-catalog' {
  // Sets globalThis[Symbol.for('cni-ts.plugins')]: plugin type -> loader of its plugin module.
}
