import { describe, expect, it } from 'vitest';
import { validateContainerId, validateInterfaceName, validateNetworkName } from './validate';

const j = (e: { toJSON(): { code: number; msg: string; details?: string } } | undefined) => e?.toJSON();

describe('validation', () => {
  it('container ids', () => {
    expect(j(validateContainerId(''))).toEqual({ code: 3, msg: 'missing containerID' });
    expect(j(validateContainerId('-a'))).toEqual({ code: 4, msg: 'invalid characters in containerID', details: '-a' });
    expect(validateContainerId('a')).toBeUndefined();
    expect(validateContainerId('A1_b.c-d')).toBeUndefined();
  });

  it('network names', () => {
    expect(j(validateNetworkName(''))).toEqual({ code: 7, msg: 'missing network name:' });
    expect(j(validateNetworkName('x y'))).toEqual({ code: 7, msg: 'invalid characters found in network name', details: 'x y' });
    expect(j(validateNetworkName('a\n'))).toEqual({ code: 7, msg: 'invalid characters found in network name', details: 'a\n' });
  });

  it('interface names', () => {
    expect(j(validateInterfaceName(''))).toEqual({ code: 4, msg: 'interface name is empty' });
    expect(j(validateInterfaceName('a'.repeat(16)))).toEqual({
      code: 4,
      msg: 'interface name is too long',
      details: 'interface name should be less than 16 characters',
    });
    expect(validateInterfaceName('a'.repeat(15))).toBeUndefined();
    // 8 two-byte characters are 16 bytes.
    expect(j(validateInterfaceName('é'.repeat(8)))?.msg).toBe('interface name is too long');
    expect(j(validateInterfaceName('..'))).toEqual({ code: 4, msg: 'interface name is . or ..' });
    for (const bad of ['eth0/1', 'a:b', 'a b', 'a\u0085', 'a\u00a0']) {
      expect(j(validateInterfaceName(bad))).toEqual({ code: 4, msg: 'interface name contains / or : or whitespace characters' });
    }
    expect(validateInterfaceName('a\ufeff')).toBeUndefined();
    // Ours: a NUL (only a pod annotation can carry one) is refused too.
    expect(j(validateInterfaceName('a\u0000b'))).toEqual({ code: 4, msg: 'interface name contains a NUL character' });
  });
});
