// The suite's own machinery, without runtimes: the protobuf codec the CRI client uses, the
// logging shim (forwarding and records) and the plugin-time arithmetic.
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './_exec.ts';
import { ProtoMessage, ProtoWriter } from './protobuf.ts';
import { makeShim, readExecs, toJsonl } from './shim.ts';
import { pluginTime } from './timing.ts';

describe('protobuf', () => {
  it('round-trips strings, varints, nested messages and maps', () => {
    const buf = new ProtoWriter()
      .string(1, 'pod')
      .uint(4, 300)
      .bool(5, false)
      .message(8, (m) => m.string(1, '/cg').message(2, (n) => n.uint(2, 1)))
      .map(7, { a: '1', b: '2' })
      .finish();
    const m = new ProtoMessage(buf);
    expect(m.string(1)).toBe('pod');
    expect(m.uint(4)).toBe(300n);
    expect(m.fields.has(5)).toBe(false); // proto3 leaves zero values out
    expect(m.message(8)?.string(1)).toBe('/cg');
    expect(m.message(8)?.message(2)?.uint(2)).toBe(1n);
    expect(m.map(7)).toEqual({ a: '1', b: '2' });
  });

  it('encodes varints as protoc does', () => {
    expect(new ProtoWriter().uint(1, 150).finish()).toEqual(Buffer.from([0x08, 0x96, 0x01]));
    expect(new ProtoWriter().string(2, 'testing').finish()).toEqual(Buffer.from([0x12, 0x07, ...Buffer.from('testing')]));
  });
});

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
