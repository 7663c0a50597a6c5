import { describe, expect, it } from 'vitest';
import { ProtoMessage, ProtoWriter } from './protobuf';

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

describe('protobuf from an untrusted peer', () => {
  it('a length past the end, a truncated varint or fixed field, an unknown wire type: an error, never a read past the buffer', () => {
    const good = new ProtoWriter().string(1, 'abc').finish();
    expect(() => new ProtoMessage(good.subarray(0, good.length - 1))).toThrow(/truncated field/);
    expect(() => new ProtoMessage(Buffer.from([0x08, 0x96]))).toThrow(/truncated varint/);
    expect(() => new ProtoMessage(Buffer.from([0x09, 1, 2, 3]))).toThrow(/truncated field/);
    expect(() => new ProtoMessage(Buffer.from([0x0b]))).toThrow(/unsupported wire type 3/);
    expect(() => new ProtoMessage(Buffer.from([0x08, ...Array(11).fill(0xff), 0x01]))).toThrow(/varint too long/);
  });
});
