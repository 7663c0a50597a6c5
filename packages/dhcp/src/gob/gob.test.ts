import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GobDecoder } from './decoder';
import { GobEncoder, GobWriter } from './encoder';
import { gBool, gBytes, gFloat, gInt, gSlice, gString, gStruct, gText, gUint } from './types';
import { REQUEST_T } from '../wire';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

/** skel.CmdArgs as cni 1.1.2 (the oracle) declares it. */
const CMD_ARGS_112 = gStruct('CmdArgs', [
  ['ContainerID', gString],
  ['Netns', gString],
  ['IfName', gString],
  ['Args', gString],
  ['Path', gString],
  ['StdinData', gBytes],
]);

describe('gob numbers', () => {
  it('encodes unsigned and signed integers as Go does', () => {
    const w = new GobWriter();
    for (const n of [0, 7, 127, 128, 256, 0xffff, 2 ** 40]) w.uint(n);
    expect(Buffer.from(w.take()).toString('hex')).toBe('00077fff80fe0100feffffbfa010000000000'.replace('bfa', 'fa'));
    const s = new GobWriter();
    for (const n of [0, -1, 1, -65, 65]) s.int(n);
    expect(Buffer.from(s.take()).toString('hex')).toBe('000102ff81ff82');
  });
});

describe('gob streams', () => {
  it('decodes the oracle plugin ADD request byte for byte', () => {
    const bytes = fixture('go112-plugin-add.bin');
    const d = new GobDecoder();
    d.push(bytes);
    expect(d.takeLine()).toBe('CONNECT /_goRPC_ HTTP/1.0');
    expect(d.takeLine()).toBe('');
    const req = d.next();
    expect(req).toEqual({ typeName: 'Request', value: { ServiceMethod: 'DHCP.Allocate' } });
    const args = d.next();
    expect(args?.typeName).toBe('CmdArgs');
    const v = args?.value as Record<string, unknown>;
    expect(v.ContainerID).toBe('ctr1');
    expect(v.Netns).toBe('/var/run/netns/x');
    expect(v.IfName).toBe('eth0');
    expect(v.Args).toBe('IgnoreUnknown=1;K8S_POD_NAME=p');
    expect(v.Path).toBe('/usr/lib/cni');
    expect(JSON.parse(Buffer.from(v.StdinData as Uint8Array).toString())).toMatchObject({ name: 'dnet' });
    expect(d.buffered).toBe(0);
  });

  it('encodes what the oracle plugin sent, byte for byte', () => {
    const bytes = fixture('go112-plugin-add.bin');
    const d = new GobDecoder();
    d.push(bytes);
    d.takeLine();
    d.takeLine();
    d.next();
    const args = d.next()!.value;
    const e = new GobEncoder();
    const ours = Buffer.concat([e.encode(REQUEST_T, { ServiceMethod: 'DHCP.Allocate', Seq: 0 }), e.encode(CMD_ARGS_112, args)]);
    expect(ours.toString('hex')).toBe(bytes.subarray('CONNECT /_goRPC_ HTTP/1.0\n\n'.length).toString('hex'));
  });

  it('sends each type definition once per stream', () => {
    const e = new GobEncoder();
    const first = e.encode(REQUEST_T, { ServiceMethod: 'A.B', Seq: 1 });
    const second = e.encode(REQUEST_T, { ServiceMethod: 'A.B', Seq: 2 });
    expect(second.length).toBeLessThan(first.length);
    const d = new GobDecoder();
    d.push(first);
    d.push(second);
    expect(d.next()?.value).toEqual({ ServiceMethod: 'A.B', Seq: 1 });
    expect(d.next()?.value).toEqual({ ServiceMethod: 'A.B', Seq: 2 });
  });

  it('round-trips nested structs, slices, text marshalers, maps, floats, bools and singletons', () => {
    const inner = gStruct('Inner', [
      ['IP', gText('IP')],
      ['Mask', gBytes],
    ]);
    const t = gStruct('Outer', [
      ['B', gBool],
      ['I', gInt],
      ['U', gUint],
      ['F', gFloat],
      ['L', gSlice(inner)],
      ['S', gSlice(gString)],
      ['N', inner],
      ['M', { kind: 'map', name: 'map[string]int', key: gString, elem: gInt }],
    ]);
    const e = new GobEncoder();
    const d = new GobDecoder();
    d.push(
      e.encode(t, {
        B: true,
        I: -5,
        U: 300,
        F: 1.5,
        L: [{ IP: '10.0.0.1', Mask: Uint8Array.from([255, 0, 0, 0]) }],
        S: ['a', 'b'],
        M: new Map([['x', 1]]),
      }),
    );
    d.push(e.encode(gString, 'single'));
    const got = d.next()!.value as Record<string, unknown>;
    expect(got.B).toBe(true);
    expect(got.I).toBe(-5);
    expect(got.U).toBe(300);
    expect(got.F).toBe(1.5);
    expect(Buffer.from((got.L as Record<string, Uint8Array>[])[0]!.IP!).toString()).toBe('10.0.0.1');
    expect(got.S).toEqual(['a', 'b']);
    expect(got.N).toEqual({}); // a zero struct field is still sent, as Go does
    expect(got.M).toEqual(new Map([['x', 1]]));
    expect(d.next()).toEqual({ typeName: 'string', value: 'single' });
  });

  it('waits for whole messages and rejects corrupt ones', () => {
    const e = new GobEncoder();
    const bytes = e.encode(REQUEST_T, { ServiceMethod: 'DHCP.Allocate', Seq: 3 });
    const d = new GobDecoder();
    for (let i = 0; i < bytes.length - 1; i++) {
      d.push(bytes.subarray(i, i + 1));
      expect(d.next()).toBeUndefined();
    }
    d.push(bytes.subarray(bytes.length - 1));
    expect(d.next()?.value).toEqual({ ServiceMethod: 'DHCP.Allocate', Seq: 3 });
    const bad = new GobDecoder();
    bad.push(Uint8Array.from([4, 0xff, 0x82, 0, 0])); // value of an undefined type id 65
    expect(() => bad.next()).toThrow(/unknown type id 65/);
    const big = new GobDecoder();
    big.push(Uint8Array.from([0xfc, 0x7f, 0xff, 0xff, 0xff]));
    expect(() => big.next()).toThrow(/too big/);
  });
});
