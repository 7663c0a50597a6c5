import { describe, expect, it } from 'vitest';
import { sysctlKeyToPath, sysctlPath } from './sysctl';

describe('sysctl keys', () => {
  it('maps dotted keys to paths', () => {
    expect(sysctlKeyToPath('net.ipv4.ip_forward')).toBe('net/ipv4/ip_forward');
    expect(sysctlPath('net.ipv6.conf.all.forwarding')).toBe('/proc/sys/net/ipv6/conf/all/forwarding');
  });

  it('keeps dots of interface names when the key uses slashes', () => {
    expect(sysctlPath('net/ipv4/conf/eth0.100/arp_notify')).toBe('/proc/sys/net/ipv4/conf/eth0.100/arp_notify');
  });

  it('swaps dots and slashes like sysctl(8) when the first separator is a dot', () => {
    expect(sysctlKeyToPath('net.ipv4.conf.eth0/100.forwarding')).toBe('net/ipv4/conf/eth0.100/forwarding');
  });

  it('refuses keys escaping /proc/sys', () => {
    expect(() => sysctlPath('net/../../../etc/passwd')).toThrow(/invalid sysctl key/);
  });
});
