/** Bundles packages/chain/src/cli.ts into <outDir>/cli.mjs (+ chunks); returns the entry's path. */
export function bundleCli(root: string, outDir: string): Promise<string>;
/** Bundles packages/<dir>/src/main.ts (or `entry`) into <outDir>/<dir>[.<entry>].mjs; returns its path. */
export function bundlePluginMain(root: string, dir: string, outDir: string, entry?: string): Promise<string>;
/** argv running the CLI from its TypeScript sources. */
export function sourceCliArgv(root: string, node: string): string[];
/** The variable naming a directory of bundles made once for a test run (bundleAllPlugins). */
export const SHARED_BUNDLES_ENV: string;
/** Bundles every plugin package's src/main.ts into <outDir>/<dir>.mjs; returns the paths. */
export function bundleAllPlugins(root: string, outDir: string): Promise<string[]>;
/** The run's shared bundle of packages/<dir>/src/main.ts, if SHARED_BUNDLES_ENV names a directory holding it. */
export function sharedBundle(dir: string, entry?: string, env?: Record<string, string | undefined>): string | undefined;
