import { describe, expect, it } from 'vitest';
import { parseDuration, parseFlags } from './flags';
import { DAEMON_FLAGS } from './run';

describe('daemon flags (Go flag package)', () => {
  it('parses durations like time.ParseDuration', () => {
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('0')).toBe(0);
    expect(() => parseDuration('10')).toThrow('time: missing unit in duration "10"');
    expect(() => parseDuration('3d')).toThrow('time: unknown unit "d" in duration "3d"');
  });

  it('takes -flag value, -flag=value, --flag and bare bools, with upstream defaults', () => {
    const { values } = parseFlags(DAEMON_FLAGS, ['-socketpath', '/x.sock', '--timeout=3s', '-broadcast', '-resendmax', '8s']);
    expect(values).toMatchObject({ socketpath: '/x.sock', timeout: 3000, broadcast: true, resendmax: 8000, resendtimeout: 208_000, pidfile: '', hostprefix: '' });
    expect(parseFlags(DAEMON_FLAGS, []).values).toMatchObject({ timeout: 10_000, resendmax: 62_000, broadcast: false });
    expect(parseFlags(DAEMON_FLAGS, ['-broadcast=false']).values.broadcast).toBe(false);
  });

  it("fails like Go's flag package", () => {
    expect(() => parseFlags(DAEMON_FLAGS, ['-nope'])).toThrow('flag provided but not defined: -nope');
    expect(() => parseFlags(DAEMON_FLAGS, ['-timeout'])).toThrow('flag needs an argument: -timeout');
    expect(() => parseFlags(DAEMON_FLAGS, ['-timeout', 'soon'])).toThrow('invalid value "soon" for flag -timeout: parse error');
  });
});
