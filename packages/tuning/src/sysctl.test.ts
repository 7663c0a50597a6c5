import { describe, expect, it } from 'vitest';
import { sysctlFile } from './sysctl';

describe('sysctlFile', () => {
  it('turns dotted keys into paths under /proc/sys/net', () => {
    expect(sysctlFile('net.core.somaxconn', 'eth0')).toBe('/proc/sys/net/core/somaxconn');
    expect(sysctlFile('net/core/somaxconn', 'eth0')).toBe('/proc/sys/net/core/somaxconn');
  });

  it('replaces IFNAME after the conversion, so dotted interface names stay one element', () => {
    expect(sysctlFile('net.ipv4.conf.IFNAME.forwarding', 'eth0.100')).toBe('/proc/sys/net/ipv4/conf/eth0.100/forwarding');
    expect(sysctlFile('net/ipv6/conf/IFNAME/accept_ra', 'vlan.7')).toBe('/proc/sys/net/ipv6/conf/vlan.7/accept_ra');
  });

  it("takes sysctl(8)'s forms for a dotted name written literally", () => {
    // dotted key: a slash stands for a dot inside an element
    expect(sysctlFile('net.ipv4.conf.eth0/100.forwarding', 'x')).toBe('/proc/sys/net/ipv4/conf/eth0.100/forwarding');
    // path key: taken as written
    expect(sysctlFile('net/ipv4/conf/eth0.100/forwarding', 'x')).toBe('/proc/sys/net/ipv4/conf/eth0.100/forwarding');
  });

  it('refuses keys outside net and path tricks', () => {
    for (const key of [
      'kernel.hostname',
      'net',
      'net.',
      '/kernel/hostname',
      'net/../kernel/hostname',
      'net/ipv4/conf/all/../../../core/somaxconn',
      'fs.file-max',
      'net/core/x\0y',
    ]) {
      expect(() => sysctlFile(key, 'eth0'), key).toThrow(/^invalid net sysctl key: /);
    }
  });

  it('cannot climb out of an allow-listed prefix with a dotted key either', () => {
    // upstream turns every dot into a slash and cleans the path: this key reaches net/core
    const file = sysctlFile('net.ipv4.conf.all.x/../../../core.somaxconn', 'eth0');
    expect(file.startsWith('/proc/sys/net/ipv4/conf/all/')).toBe(true);
  });

  it('names the key as written in the error and the field in details', () => {
    try {
      sysctlFile('kernel.hostname', 'eth0');
      expect.unreachable();
    } catch (err) {
      expect((err as { msg: string }).msg).toBe('invalid net sysctl key: "kernel.hostname"');
      expect((err as { details: string }).details).toBe('sysctl.kernel.hostname');
    }
  });

  it('collapses empty and "." elements as upstream filepath.Join does', () => {
    expect(sysctlFile('/net/core/somaxconn', 'e')).toBe('/proc/sys/net/core/somaxconn');
    expect(sysctlFile('net.core..somaxconn', 'e')).toBe('/proc/sys/net/core/somaxconn');
    expect(sysctlFile('net/./core/somaxconn', 'e')).toBe('/proc/sys/net/core/somaxconn');
  });
});
