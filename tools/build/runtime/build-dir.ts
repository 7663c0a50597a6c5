// Outside the binary, a bundle runs only at build time, under plain `node` through lib/train.cjs,
// which records the build directory in this global. The files a bundle then reads beside it (the
// on-demand parts, koffi's native module) are named relative to that directory, so that no path
// of the build machine is written into the bundle: two checkouts of one commit build the same bytes.
export const BUILD_DIR = Symbol.for('cni-ts.build-dir');

/** `rel` inside the build directory lib/train.cjs ran this bundle from. */
export function buildDirFile(rel: string): string {
  const dir = (globalThis as Record<symbol, unknown>)[BUILD_DIR];
  if (typeof dir !== 'string') throw new Error(`cni-ts: ${rel}: this bundle runs only inside the binary or through tools/build/lib/train.cjs`);
  return `${dir}/${rel}`;
}
