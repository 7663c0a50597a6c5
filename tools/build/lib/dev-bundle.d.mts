/** Bundles packages/chain/src/cli.ts into <outDir>/cli.mjs (+ chunks); returns the entry's path. */
export function bundleCli(root: string, outDir: string): Promise<string>;
/** Bundles packages/<dir>/src/main.ts (or `entry`) into <outDir>/<dir>[.<entry>].mjs; returns its path. */
export function bundlePluginMain(root: string, dir: string, outDir: string, entry?: string): Promise<string>;
/** argv running the CLI from its TypeScript sources. */
export function sourceCliArgv(root: string, node: string): string[];
