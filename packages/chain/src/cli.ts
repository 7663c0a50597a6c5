#!/usr/bin/env node
// The `cni-ts` binary (see cli/usage.ts). No top-level await here: a bundler may put modules
// that lazily loaded plugin chunks import into this entry chunk, and those imports would wait
// for this module's evaluation, i.e. for main() itself.
import { main } from './cli/main';

void main(process.argv.slice(2), process.env, {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
}).then((status) => {
  process.exitCode = status;
});
