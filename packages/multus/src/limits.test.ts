import { describe, expect, it } from 'vitest';
import { ConfigBudget, SizeLimitError } from './limits';

describe('config budget', () => {
  it('counts per call and over all calls in flight; a refused charge counts nothing; release gives back', () => {
    const b = new ConfigBudget({ perCallBytes: 100, inFlightBytes: 150 });
    const one = b.open();
    const two = b.open();
    one.charge(60, 'a');
    two.charge(60, 'b');
    expect(b.inFlight).toBe(120);
    let err: unknown;
    try {
      two.charge(31, 'network-attachment-definition ns/big');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SizeLimitError);
    expect((err as SizeLimitError).code).toBe(11);
    expect((err as SizeLimitError).field).toBe('network-attachment-definition ns/big');
    expect(() => one.charge(41, 'x')).toThrow(/larger than 100 bytes \(reading x\): refused/);
    expect(b.inFlight).toBe(120);
    one.release();
    two.release();
    expect(b.inFlight).toBe(0);
    const three = b.open();
    three.charge(100, 'c');
    expect(() => three.charge(1, 'd')).toThrow(SizeLimitError);
  });
});
