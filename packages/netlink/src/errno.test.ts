import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { errnoMessage, errnoName, errnoNumber } from './errno';

describe('errno table', () => {
  it('matches the platform for every name it knows', () => {
    for (const [name, num] of Object.entries(constants.errno)) expect(errnoNumber(name), name).toBe(num);
  });
  it('names numbers the way Go prints them', () => {
    expect(errnoName(17)).toBe('EEXIST');
    expect(errnoName(11)).toBe('EAGAIN');
    expect(errnoName(95)).toBe('EOPNOTSUPP');
    expect(errnoName(524)).toBe('ENOTSUPP');
    expect(errnoName(9999)).toBe('errno 9999');
    expect(errnoMessage(19)).toBe('no such device');
  });
  it('rejects unknown names', () => {
    expect(() => errnoNumber('ENOPE')).toThrow(/unknown errno/);
  });
});
