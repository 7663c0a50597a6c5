import { describe, expect, it } from 'vitest';
import { guestEnv, parseOptions, UsageError } from './options.mjs';

describe('kernel runner options', () => {
  it('takes the command after -- and resolves --out', () => {
    const o = parseOptions(['--out', 'rel/dir', '--mem', '3G', '--', 'node', '--out', 'x'], {});
    expect(o.command).toEqual(['node', '--out', 'x']);
    expect(o.out).toEqual([`${process.cwd()}/rel/dir`]);
    expect(o.mem).toBe('3G');
    expect(o.timeout).toBe(1200);
  });

  it('reads defaults from the environment', () => {
    const o = parseOptions(['--', 'true'], { CNITS_KERNEL_MEM: '1G', CNITS_KERNEL_TIMEOUT: '30' });
    expect([o.mem, o.timeout]).toEqual(['1G', 30]);
  });

  it('passes --env NAME from the environment and NAME=VALUE as given', () => {
    const o = parseOptions(['--env', 'A', '--env', 'B=x=y', '--env', 'C', '--', 'true'], { A: '1' });
    expect(o.env).toEqual({ A: '1', B: 'x=y' });
  });

  it.each([
    [['true'], /unknown option true/],
    [[], /no command/],
    [['--mem', 'lots', '--', 'true'], /--mem/],
    [['--timeout', '0', '--', 'true'], /--timeout/],
    [['--out'], /--out needs a value/],
    [['--env', '1A=2', '--', 'true'], /bad variable name/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseOptions(argv, {})).toThrow(UsageError);
    expect(() => parseOptions(argv, {})).toThrow(message);
  });

  it('keeps only allow-listed variables and completes PATH', () => {
    const env = guestEnv({ PATH: '/opt/bin:/usr/bin', CI: 'true', SECRET: 'x', CNITS_FOO: '1', TMPDIR: '/x' }, { Z: '2' });
    expect(env).toEqual({
      PATH: '/opt/bin:/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin:/bin',
      CI: 'true',
      CNITS_FOO: '1',
      HOME: '/root',
      CNITS_KERNEL: '1',
      Z: '2',
    });
  });
});
