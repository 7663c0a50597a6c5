#!/usr/bin/env node
// The `cni-ts` binary (see cli/usage.ts).
import { main } from './cli/main';

process.exitCode = await main(process.argv.slice(2), process.env, {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
});
