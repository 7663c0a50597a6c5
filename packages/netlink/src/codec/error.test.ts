import { describe, expect, it } from 'vitest';
import { decodeDone, decodeError } from './error';
import { errorMtuExtack, errorNoDevice, errorNotSupportedFull, ackCapped, linkDumpDone } from './fixtures/captured';
import { msg } from './fixtures/helpers';

describe('NLMSG_ERROR and NLMSG_DONE', () => {
  it('decodes an extended ACK message', () => {
    const e = decodeError(msg(errorMtuExtack));
    expect(e).toMatchObject({ errno: 22, message: 'mtu greater than device maximum' });
    expect(e.request).toMatchObject({ len: 40, type: 16, flags: 5 });
  });

  it('decodes a plain error echoing the whole request', () => {
    expect(decodeError(msg(errorNoDevice))).toMatchObject({ errno: 19, request: { type: 18 } });
    const e = decodeError(msg(errorNotSupportedFull));
    expect(e.errno).toBe(95);
    expect(e.message).toBeUndefined();
    expect(e.request?.len).toBe(84);
  });

  it('decodes a capped ACK and a DONE', () => {
    expect(decodeError(msg(ackCapped))).toMatchObject({ errno: 0, request: { type: 16, len: 32 } });
    expect(decodeDone(msg(linkDumpDone))).toEqual({ errno: 0 });
  });
});
