import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allocate } from './allocator';
import { formatAddr as formatIP, parseAddrNet as parseCIDR, parseAddr as parseIP } from '@cni-ts/cni/ip';
import { candidates } from './iter';
import { canonicalizeRangeSet, type RangeSet } from './rangeset';
import { DiskStore } from './store';

type R = { subnet: string; rangeStart?: string; rangeEnd?: string; gateway?: string };

function set(...rs: R[]): RangeSet {
  return canonicalizeRangeSet(
    rs.map((r) => ({
      subnet: parseCIDR(r.subnet),
      rangeStart: r.rangeStart ? parseIP(r.rangeStart) : undefined,
      rangeEnd: r.rangeEnd ? parseIP(r.rangeEnd) : undefined,
      gateway: r.gateway ? parseIP(r.gateway) : undefined,
    })),
  );
}

const order = (s: RangeSet, last?: string) => [...candidates(s, last ? parseIP(last) : undefined)].map((c) => formatIP(c.ip));

describe('candidates (round-robin order)', () => {
  it('starts at rangeStart and skips the default gateway', () => {
    expect(order(set({ subnet: '10.1.0.0/29' }))).toEqual(['10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5', '10.1.0.6']);
  });

  it('hands out .1 when the gateway is elsewhere', () => {
    expect(order(set({ subnet: '10.1.0.0/29', gateway: '10.1.0.6' }))).toEqual([
      '10.1.0.1',
      '10.1.0.2',
      '10.1.0.3',
      '10.1.0.4',
      '10.1.0.5',
    ]);
  });

  it('continues after the last reserved address and wraps through every range', () => {
    const s = set({ subnet: '10.1.0.0/29' }, { subnet: '10.2.0.0/29', rangeStart: '10.2.0.4', rangeEnd: '10.2.0.5' });
    expect(order(s, '10.1.0.5')).toEqual(['10.1.0.6', '10.2.0.4', '10.2.0.5', '10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5']);
    expect(order(s, '10.2.0.5')).toEqual(['10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5', '10.1.0.6', '10.2.0.4', '10.2.0.5']);
  });

  it('ignores a last reserved address outside the set', () => {
    expect(order(set({ subnet: '10.1.0.0/30' }), '10.9.0.1')).toEqual(['10.1.0.2']);
  });

  it('ends when the only address is the gateway', () => {
    expect(order(set({ subnet: '10.1.0.0/30', rangeEnd: '10.1.0.1' }))).toEqual([]);
  });

  it('walks IPv6 up to the all-ones address', () => {
    expect(order(set({ subnet: 'fd00::/126' }))).toEqual(['fd00::2', 'fd00::3']);
  });
});

describe('allocate + DiskStore', () => {
  let dataDir: string;
  let store: DiskStore;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'hl-'));
    store = new DiskStore('net1', dataDir);
    store.ensureDir();
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const files = () => readdirSync(store.dir).sort();
  const read = (f: string) => readFileSync(join(store.dir, f), 'utf8');

  it('writes one file per address and the last reserved address, mode 0600', () => {
    const s = set({ subnet: '10.1.0.0/24' });
    const a = allocate(store, s, 0, 'ctr1', 'eth0');
    expect(formatIP(a.ip)).toBe('10.1.0.2');
    expect(a.prefix).toBe(24);
    expect(formatIP(a.gateway)).toBe('10.1.0.1');
    expect(files()).toEqual(['10.1.0.2', 'last_reserved_ip.0']);
    expect(read('10.1.0.2')).toBe('ctr1\r\neth0');
    expect(read('last_reserved_ip.0')).toBe('10.1.0.2');
    expect(statSync(join(store.dir, '10.1.0.2')).mode & 0o777).toBe(0o600);
    expect(statSync(join(store.dir, 'last_reserved_ip.0')).mode & 0o777).toBe(0o600);
  });

  it('allocates round-robin and does not reuse a freed address at once', () => {
    const s = set({ subnet: '10.1.0.0/29' });
    const got = ['c1', 'c2', 'c3'].map((id) => formatIP(allocate(store, s, 0, id, 'eth0').ip));
    expect(got).toEqual(['10.1.0.2', '10.1.0.3', '10.1.0.4']);
    expect(store.releaseByID('c1', 'eth0')).toEqual(['10.1.0.2']);
    expect(formatIP(allocate(store, s, 0, 'c4', 'eth0').ip)).toBe('10.1.0.5');
    expect(formatIP(allocate(store, s, 0, 'c5', 'eth0').ip)).toBe('10.1.0.6');
    expect(formatIP(allocate(store, s, 0, 'c6', 'eth0').ip)).toBe('10.1.0.2');
    expect(() => allocate(store, s, 0, 'c7', 'eth0')).toThrow('no IP addresses available in range set: 10.1.0.1-10.1.0.6');
  });

  it('refuses a second address for the same attachment in the same set', () => {
    const s = set({ subnet: '10.1.0.0/29' });
    allocate(store, s, 0, 'c1', 'eth0');
    expect(() => allocate(store, s, 0, 'c1', 'eth0')).toThrow(
      '10.1.0.2 has been allocated to c1, duplicate allocation is not allowed',
    );
    expect(formatIP(allocate(store, s, 0, 'c1', 'eth1').ip)).toBe('10.1.0.3');
  });

  it('reserves requested addresses, not the gateway, not twice', () => {
    const s = set({ subnet: '10.1.0.0/24' });
    expect(formatIP(allocate(store, s, 0, 'c1', 'eth0', parseIP('10.1.0.50')).ip)).toBe('10.1.0.50');
    expect(read('last_reserved_ip.0')).toBe('10.1.0.50');
    expect(() => allocate(store, s, 0, 'c2', 'eth0', parseIP('10.1.0.50'))).toThrow(
      'requested IP address 10.1.0.50 is not available in range set 10.1.0.1-10.1.0.254',
    );
    expect(() => allocate(store, s, 0, 'c2', 'eth0', parseIP('10.1.0.1'))).toThrow('requested ip 10.1.0.1 is subnet\'s gateway');
    expect(() => allocate(store, s, 0, 'c2', 'eth0', parseIP('10.2.0.1'))).toThrow(
      '10.2.0.1 not in range set 10.1.0.1-10.1.0.254',
    );
  });

  it('uses last_reserved_ip only when it parses exactly', () => {
    const s = set({ subnet: '10.1.0.0/24' });
    writeFileSync(join(store.dir, 'last_reserved_ip.0'), '10.1.0.9\n');
    expect(formatIP(allocate(store, s, 0, 'c1', 'eth0').ip)).toBe('10.1.0.2');
    writeFileSync(join(store.dir, 'last_reserved_ip.0'), '10.1.0.9');
    expect(formatIP(allocate(store, s, 0, 'c2', 'eth0').ip)).toBe('10.1.0.10');
  });

  it('names IPv6 files the Go way', () => {
    const s = set({ subnet: 'fd00:0:0:1::/64' });
    allocate(store, s, 1, 'c1', 'eth0');
    expect(files()).toEqual(['fd00:0:0:1::2', 'last_reserved_ip.1']);
  });

  it('finds and releases legacy bare-id files, and walks subdirectories', () => {
    writeFileSync(join(store.dir, '10.1.0.7'), 'old\n');
    expect(store.findByID('old', 'eth0')).toBe(true);
    expect(store.getByID('old', 'eth0').map(formatIP)).toEqual(['10.1.0.7']);
    expect(store.releaseByID('old', 'eth0')).toEqual(['10.1.0.7']);
    expect(store.findByID('old', 'eth0')).toBe(false);

    const s = set({ subnet: '10.1.0.0/24' });
    allocate(store, s, 0, 'c1', 'eth0');
    writeFileSync(join(store.dir, '10.1.0.8'), 'c1');
    // an exact id+ifname match wins: the legacy file stays
    expect(store.releaseByID('c1', 'eth0')).toEqual(['10.1.0.2']);
    expect(files()).toContain('10.1.0.8');
  });
});
