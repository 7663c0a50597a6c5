/** Bundles packages/chain/src/cli.ts into <outDir>/cli.mjs (+ chunks); returns the entry's path. */
export function bundleCli(root: string, outDir: string): Promise<string>;
/** Bundles packages/<name>/src/main.ts into <outDir>/<name>.mjs; returns its path. */
export function bundlePluginMain(root: string, name: string, outDir: string): Promise<string>;
/** argv running the CLI from its TypeScript sources. */
export function sourceCliArgv(root: string, node: string): string[];
