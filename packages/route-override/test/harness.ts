// Runs route-override the way a runtime does, from its TypeScript sources, inside the test's
// throwaway "host" namespace (testkit's callInNetns). There is no Go oracle of it here.
import { join, resolve } from 'node:path';
import { callInNetns, sourceImpl, type NetnsCall, type NetnsImpl, type NetnsOut, type TestNetns } from '@cni-ts/testkit';

export const ROOT = resolve(import.meta.dirname, '../../..');

export type Impl = NetnsImpl<'ts'>;
export type Call = NetnsCall;
export type Out = NetnsOut;

/** Ours, from source. */
export function ours(entry = join(ROOT, 'packages/route-override/src/main.ts')): Impl {
  return sourceImpl(entry);
}

/** Runs one CNI command inside `host` (the plugin's own netns). */
export function call(impl: Impl, host: TestNetns, c: Call, stdin: unknown): Out {
  return callInNetns(impl, host, c, stdin);
}
