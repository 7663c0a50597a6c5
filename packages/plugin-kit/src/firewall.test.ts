import { describe, expect, it } from 'vitest';
import { chainRuleSpec } from './_ipmasq';
import { formatChainName, formatComment, formatHashWithPrefix } from './chain-name';
import { splitRuleLine } from './iptables';
import { commentForInstance, hashForInstance } from './ipmasq-nftables';

describe('chain names and comments (pkg/utils)', () => {
  it('match what the Go plugins write', () => {
    // Taken from the iptables rules the Go bridge (1.1.1) wrote for network "mynet", container "ctr2".
    expect(formatChainName('mynet', 'ctr2')).toBe('CNI-c1c4887f429e682199f92515');
    expect(formatChainName('mynet', 'ctr2')).toHaveLength(28);
    expect(formatComment('mynet', 'ctr2')).toBe('name: "mynet" id: "ctr2"');
    expect(formatComment('a"b', 'c\u0001')).toBe('name: "a\\"b" id: "c\\x01"');
    expect(() => formatHashWithPrefix(4, 'CNI-', 'x')).toThrow('invalid length');
  });

  it('nftables comments start with the instance hash and stop at 128 bytes', () => {
    const h = hashForInstance('net', 'eth0', 'c1');
    expect(h).toMatch(/^[0-9a-f]{16}-[0-9a-f]{16}$/);
    expect(h.slice(0, 16)).toBe(formatHashWithPrefix(16, '', 'net'));
    expect(h.slice(17)).toBe(formatHashWithPrefix(16, '', 'eth0:c1'));
    expect(commentForInstance('net', 'eth0', 'c1')).toBe(`${h}, net: net, if: eth0, id: c1`);
    expect(commentForInstance('n"et', 'eth0', 'c1')).toContain('net: net,');
    const long = commentForInstance('net', 'eth0', 'x'.repeat(200));
    expect(Buffer.byteLength(long)).toBe(128);
  });
});

describe('iptables -S lines', () => {
  it('split into arguments, with quoted comments unescaped', () => {
    expect(splitRuleLine('-A POSTROUTING -s 10.1.2.5/32 -m comment --comment "name: \\"n\\" id: \\"c\\"" -j CNI-abc')).toEqual([
      '-A',
      'POSTROUTING',
      '-s',
      '10.1.2.5/32',
      '-m',
      'comment',
      '--comment',
      'name: "n" id: "c"',
      '-j',
      'CNI-abc',
    ]);
  });

  it('find the rules of a chain that jump to a target', () => {
    expect(chainRuleSpec(['-A', 'POSTROUTING', '-s', '1.2.3.4/32', '-j', 'CNI-x'], 'POSTROUTING', 'CNI-x')).toEqual(['-s', '1.2.3.4/32', '-j', 'CNI-x']);
    expect(chainRuleSpec(['-A', 'POSTROUTING', '-j', 'CNI-y'], 'POSTROUTING', 'CNI-x')).toBeUndefined();
    expect(chainRuleSpec(['-A', 'CNI-x', '-j', 'CNI-x'], 'POSTROUTING', 'CNI-x')).toBeUndefined();
    expect(chainRuleSpec(['-N', 'CNI-x'], 'POSTROUTING', 'CNI-x')).toBeUndefined();
  });
});
