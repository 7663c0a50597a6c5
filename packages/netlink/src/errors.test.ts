import { describe, expect, it } from 'vitest';
import { LinkNotFoundError, NetlinkError, SyscallError, isExist, isNotFound } from './errors';
import { errnoMessage, errnoName } from './errno';

describe('errors', () => {
  it('formats errno, op and object', () => {
    const e = new NetlinkError(17, 'creating link', '"net1"');
    expect(e.message).toBe('EEXIST creating link "net1": file exists');
    expect(e).toBeInstanceOf(SyscallError);
    expect([e.errno, e.code, e.op, e.object, e.strerror]).toEqual([17, 'EEXIST', 'creating link', '"net1"', 'file exists']);
    expect(isExist(e)).toBe(true);
  });

  it('appends the extended ACK message', () => {
    const e = new NetlinkError(22, 'setting mtu of', '"eth0"', { extack: 'MTU greater than device maximum' });
    expect(e.message).toBe('EINVAL setting mtu of "eth0": invalid argument: MTU greater than device maximum');
    expect(e.extack).toBe('MTU greater than device maximum');
  });

  it('says Link not found like vishvananda/netlink', () => {
    const e = new LinkNotFoundError('"eth9"');
    expect(e.message).toBe('Link not found');
    expect(e.code).toBe('ENODEV');
    expect(e.object).toBe('"eth9"');
    expect(isNotFound(e)).toBe(true);
  });

  it('names errnos the way Go prints them', () => {
    expect(errnoName(19)).toBe('ENODEV');
    expect(errnoMessage(19)).toBe('no such device');
    expect(errnoName(95)).toBe('EOPNOTSUPP');
    expect(errnoName(11)).toBe('EAGAIN');
    expect(errnoMessage(99)).toBe('cannot assign requested address');
  });
});
