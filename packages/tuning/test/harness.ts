// Runs tuning the way a runtime does (testkit's callInNetns): ours from its TypeScript sources,
// the Go oracle from /usr/lib/cni, both inside the test's throwaway "host" namespace.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { callInNetns, sourceImpl, type NetnsCall, type NetnsImpl, type NetnsOut, type TestNetns } from '@cni-ts/testkit';

export const ROOT = resolve(import.meta.dirname, '../../..');

export type Impl = NetnsImpl<'go' | 'ts'>;
export type Call = NetnsCall;
export type Out = NetnsOut;

/** Ours, from source; `entry` may be a test entry (e.g. one with a private allow-list). */
export function ours(entry = join(ROOT, 'packages/tuning/src/main.ts')): Impl {
  return sourceImpl(entry);
}

export const oracle: Impl = { name: 'go', argv: ['/usr/lib/cni/tuning'] };

let fallbackDir: string | undefined;

/**
 * Where our tuning keeps backups when a test's config names no dataDir (never the real
 * /run/cni/tuning); one temp dir per test file, inside the run's temp dir.
 */
export function fallbackDataDir(): string {
  fallbackDir ??= mkdtempSync(join(tmpdir(), 'cnits-tuning-default-'));
  return fallbackDir;
}

/** Runs one CNI command inside `host` (the plugin's own netns). */
export function call(impl: Impl, host: TestNetns, c: Call, stdin: unknown): Out {
  return callInNetns(impl, host, c, stdin, { CNI_TS_TUNING_DATA_DIR: fallbackDataDir() });
}
