#!/usr/bin/env node
// The `cni-ts` command of this package. A committed file, so that pnpm links the command at
// install time (a bin pointing into dist/ does not exist yet then, and pnpm skips it); it runs
// the built CLI. In a release the same CLI is inside the cni-ts-plugins binary (`cni-ts`).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.mjs', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('cni-ts: the CLI is not built yet: run `pnpm build` first\n');
  process.exit(1);
}
await import(cli.href);
