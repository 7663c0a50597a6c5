import { onTestFinished } from 'vitest';
import { createNetns, deleteNetns, netnsPath, reapStaleNetns, uniqueName } from './netns';
import { must } from './_exec';

export interface TestNetns {
  /** name under /run/netns, usable with `ip -n`. */
  name: string;
  /** path to hand to plugins as CNI_NETNS. */
  path: string;
}

export interface TestEnv {
  host: TestNetns;
  container: TestNetns;
  /** Creates one more namespace that is cleaned up with the others. */
  extra(tag: string): TestNetns;
  /** Creates a veth pair inside `host` (both ends), used as a master/uplink for plugins. */
  hostLink(name: string, peer?: string): void;
}

/**
 * Creates a throwaway "host" and "container" namespace for the current test. They are deleted
 * when the test finishes, whether it passed, threw or timed out; namespaces of earlier runs
 * that were killed are reaped first. Plugins run with their own netns switched to `host`,
 * so the real host is never touched.
 */
export function testEnv(): TestEnv {
  reapStaleNetns();
  const created: string[] = [];
  const make = (tag: string): TestNetns => {
    const name = uniqueName(tag);
    created.push(name);
    return { name, path: createNetns(name) };
  };
  onTestFinished(() => {
    const errors: string[] = [];
    for (const name of created.reverse()) {
      try {
        deleteNetns(name);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    if (errors.length) throw new Error(errors.join('; '));
  });
  const host = make('host');
  const container = make('ctr');
  return {
    host,
    container,
    extra: make,
    hostLink(name, peer = `${name}p`) {
      must('ip', ['-n', host.name, 'link', 'add', name, 'type', 'veth', 'peer', 'name', peer]);
      must('ip', ['-n', host.name, 'link', 'set', name, 'up']);
      must('ip', ['-n', host.name, 'link', 'set', peer, 'up']);
    },
  };
}

export { netnsPath };
