// The node entrypoint binary: `multus-entrypoint [flags]` (entrypoint/flags.ts).
import { startEntrypoint } from './entrypoint/entrypoint';
import { ENTRYPOINT_FLAGS, entrypointOptions } from './entrypoint/flags';
import { FlagError, usage } from './flags';

const log = (l: string) => process.stderr.write(`${new Date().toISOString()} multus-entrypoint: ${l}\n`);

// No top-level await: the single-executable binary runs this file as a CommonJS bundle.
async function main(): Promise<void> {
  try {
    const { once, ...o } = entrypointOptions(process.argv.slice(2), process.env);
    const running = startEntrypoint({ ...o, log });
    if (once) running.stop();
    process.on('SIGTERM', () => running.stop());
    process.on('SIGINT', () => running.stop());
    await running.done;
    process.exit(0);
  } catch (err) {
    const help = err instanceof FlagError && err.help;
    if (!help) log((err as Error).message);
    if (err instanceof FlagError) process.stderr.write(usage('multus-entrypoint', ENTRYPOINT_FLAGS, 'posix'));
    process.exit(help ? 0 : 1);
  }
}

void main();
