// The suite's own machinery, without runtimes: the logging shim (forwarding and records) and the plugin-time arithmetic.
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './_exec.ts';
import { makeShim, readExecs, toJsonl } from './shim.ts';
import { pluginTime } from './timing.ts';

describe('logging shim', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), `cnits-${process.pid}-runtimes-helpers-`));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('passes stdin, argv, stdout and the exit code through, and records the exec', () => {
    const fake = join(work, 'fake');
    writeFileSync(fake, '#!/bin/sh\nread -r line\necho "{\\"got\\":$line,\\"argv\\":\\"$*\\"}"\nexit 3\n');
    chmodSync(fake, 0o755);
    makeShim({ bridge: fake }, join(work, 'shim'), join(work, 'log'));
    const r = run(join(work, 'shim', 'bridge'), ['x', 'y'], { input: '{"cniVersion":"1.0.0"}\n', env: { CNI_COMMAND: 'ADD', CNI_NETNS: '', CNI_ARGS: 'IP=10.0.0.5' } });
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout)).toEqual({ got: { cniVersion: '1.0.0' }, argv: 'x y' });
    const [e] = readExecs(join(work, 'log'));
    expect(e).toMatchObject({ plugin: 'bridge', command: 'ADD', rc: 3, env: { CNI_COMMAND: 'ADD', CNI_NETNS: '', CNI_ARGS: 'IP=10.0.0.5' }, stdin: { cniVersion: '1.0.0' }, nested: false });
    expect(e!.ms).toBeGreaterThan(0);
    expect(JSON.parse(toJsonl([e!]))).toMatchObject({ seq: 1, plugin: 'bridge', command: 'ADD', rc: 3 });
  });
});

const ex = (plugin: string, command: string, startUs: number, endUs: number, nested = false) =>
  ({ plugin, command, rc: 0, startUs, endUs, ms: (endUs - startUs) / 1000, env: {}, stdin: null, stdout: null, nested });

describe('plugin time', () => {
  it('counts nested IPAM execs inside their parent only', () => {
    const t = pluginTime([ex('bridge', 'ADD', 0, 40_000), ex('host-local', 'ADD', 10_000, 20_000, true), ex('loopback', 'ADD', 5_000, 12_000)]);
    expect(t.ms).toBe(47);
    expect(t.execs).toBe(3);
    expect(t.by['host-local ADD (nested)']).toEqual({ n: 1, ms: 10 });
  });
});
