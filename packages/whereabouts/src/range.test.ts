import { parseAddr } from '@cni-ts/cni/ip';
import { describe, expect, it } from 'vitest';
import { AssignmentError, heldBy, lowestFree, releasable } from './allocate';
import { ipAtOffset, offsetKey, poolName, reservationIP, reservationName } from './names';
import { ipText, parseRange, usableBounds } from './range';

const ip = (s: string) => parseAddr(s)!;
const free = (range: string, taken: string[] = [], extra: Parameters<typeof parseRange>[0] extends infer P ? Partial<P> : never = {}) =>
  ipText(lowestFree(parseRange({ range, ...extra }), new Set(taken)));

describe('ranges as whereabouts reads them', () => {
  it('a CIDR is normalised to its network; host bits do not move the start', () => {
    const r = parseRange({ range: '192.168.2.225/28' });
    expect(r.cidr).toBe('192.168.2.224/28');
    expect(ipText(usableBounds(r).first)).toBe('192.168.2.225');
    expect(free('192.168.2.225/28')).toBe('192.168.2.225');
  });

  it('first-last/prefix: start and end from the text, the pool from last/prefix', () => {
    const r = parseRange({ range: '10.0.0.10-10.0.0.20/24' });
    expect(r.cidr).toBe('10.0.0.0/24');
    expect(usableBounds(r)).toEqual({ first: ip('10.0.0.10'), last: ip('10.0.0.20') });
    expect(() => parseRange({ range: '10.1.0.10-10.0.0.20/24' })).toThrow('invalid range start for CIDR 10.0.0.0/24: 10.1.0.10');
    expect(() => parseRange({ range: 'x-10.0.0.20/24' })).toThrow('invalid range start IP: x');
    expect(() => parseRange({ range: '10.0.0.0/33' })).toThrow('invalid CIDR 10.0.0.0/33: invalid CIDR address: 10.0.0.0/33');
  });

  it('range_start / range_end count only inside the usable addresses', () => {
    expect(free('10.0.0.0/24', [], { rangeStart: ip('10.0.0.50') })).toBe('10.0.0.50');
    expect(free('10.0.0.0/24', [], { rangeStart: ip('10.0.1.50') })).toBe('10.0.0.1');
    const r = parseRange({ range: '10.0.0.0/30', rangeEnd: ip('10.0.0.1') });
    expect(ipText(usableBounds(r).last)).toBe('10.0.0.1');
    expect(() => usableBounds(parseRange({ range: '10.0.0.0/31' }))).toThrow('net mask is too short, subnet 10.0.0.0/31 has no usable IP addresses, it is too small');
  });

  it('lowest free: .0 inside a larger range is assignable; excluded subnets are jumped; IPv6 all-ones never', () => {
    expect(free('10.0.0.0/23', ['10.0.0.1'], { rangeStart: ip('10.0.0.255') })).toBe('10.0.0.255');
    expect(free('10.0.0.0/23', [], { rangeStart: ip('10.0.0.255'), exclude: ['10.0.0.255'] })).toBe('10.0.1.0');
    expect(free('10.0.0.0/24', [], { exclude: ['10.0.0.0/28', '10.0.0.16'] })).toBe('10.0.0.17');
    expect(free('fd00::/126', ['fd00::1'])).toBe('fd00::2');
    expect(() => free('fd00::/126', ['fd00::1', 'fd00::2'])).toThrow(AssignmentError);
    expect(() => free('10.0.0.0/30', ['10.0.0.1', '10.0.0.2'], { exclude: ['10.0.0.0/30'] })).toThrow(
      'Could not allocate IP in range: ip: 10.0.0.1 / - 10.0.0.2 / range: 10.0.0.0/30 / excludeRanges: [10.0.0.0/30]',
    );
    expect(() => free('10.0.0.0/24', [], { exclude: ['bogus'] })).toThrow('could not parse exclude range, err: "invalid CIDR address: bogus"');
  });

  it('IPv6 offsets past 2^63-1 are never handed out (they would not read back)', () => {
    const r = parseRange({ range: 'fd00::/64', rangeStart: ip('fd00::7fff:ffff:ffff:fffe') });
    expect(ipText(lowestFree(r, new Set()))).toBe('fd00::7fff:ffff:ffff:fffe');
    expect(ipText(lowestFree(r, new Set(['fd00::7fff:ffff:ffff:fffe'])))).toBe('fd00::7fff:ffff:ffff:ffff');
    expect(() => lowestFree(r, new Set(['fd00::7fff:ffff:ffff:fffe', 'fd00::7fff:ffff:ffff:ffff']))).toThrow(AssignmentError);
  });
});

describe('names and offsets', () => {
  it('pool names', () => {
    expect(poolName('10.0.0.0/24')).toBe('10.0.0.0-24');
    expect(poolName('2001::/116')).toBe('2001---116');
    expect(poolName('10.0.0.0/24', 'blue')).toBe('blue-10.0.0.0-24');
  });

  it('reservation names and back', () => {
    expect(reservationName(ip('10.0.0.1'))).toBe('10.0.0.1');
    expect(reservationName(ip('fd00::'))).toBe('fd00--0');
    expect(reservationName(ip('fd00::1:2'), 'blue')).toBe('blue-fd00--1-2');
    expect(ipText(reservationIP('blue-10.0.0.1', 'blue')!)).toBe('10.0.0.1');
    expect(ipText(reservationIP('fd00--0')!)).toBe('fd00::');
    expect(reservationIP('red-10.0.0.1', 'blue')).toBeUndefined();
  });

  it('offsets from the first address; keys that are not int64 are skipped', () => {
    expect(offsetKey(ip('10.0.1.5'), ip('10.0.0.0'))).toBe('261');
    expect(ipText(ipAtOffset(ip('10.0.0.0'), '261')!)).toBe('10.0.1.5');
    expect(offsetKey(ip('fd00::1:0'), ip('fd00::'))).toBe('65536');
    expect(ipAtOffset(ip('fd00::'), '9223372036854775808')).toBeUndefined();
    expect(ipAtOffset(ip('10.0.0.0'), 'x')).toBeUndefined();
    expect(() => offsetKey(ip('fd00::1'), ip('10.0.0.0'))).toThrow('cannot calculate offset between IPv6 (fd00::1) and IPv4 address (10.0.0.0)');
  });
});

describe('who holds what', () => {
  const rs = [
    { ip: ip('10.0.0.1'), containerID: 'c1', podRef: 'ns/a', ifname: 'net1' },
    { ip: ip('10.0.0.2'), containerID: 'c2', podRef: 'ns/b', ifname: '' },
    { ip: ip('10.0.0.3'), containerID: 'c3', podRef: '', ifname: 'eth0' },
  ];
  it('ADD is idempotent per pod and interface; without a pod per container and interface', () => {
    expect(heldBy(rs, { containerID: 'other', podRef: 'ns/a', ifname: 'net1' })?.ip).toEqual(ip('10.0.0.1'));
    expect(heldBy(rs, { containerID: 'c1', podRef: 'ns/a', ifname: 'net2' })).toBeUndefined();
    expect(heldBy(rs, { containerID: 'c3', podRef: '', ifname: 'eth0' })?.ip).toEqual(ip('10.0.0.3'));
    expect(heldBy(rs, { containerID: 'c9', podRef: '', ifname: 'eth0' })).toBeUndefined();
  });
  it('DEL by container and interface; a pre-v0.8 allocation without an interface by its container', () => {
    expect(releasable(rs, 'c1', 'net1')?.ip).toEqual(ip('10.0.0.1'));
    expect(releasable(rs, 'c1', 'net2')).toBeUndefined();
    expect(releasable(rs, 'c2', 'net1')?.ip).toEqual(ip('10.0.0.2'));
  });
});
