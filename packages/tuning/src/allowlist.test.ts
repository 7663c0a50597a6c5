import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkAllowed, goRegExp, readAllowlist } from './allowlist';

const dir = mkdtempSync(join(tmpdir(), 'cnits-tuning-allow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('allow-list', () => {
  it('is absent when the file does not exist', () => {
    expect(readAllowlist(join(dir, 'nope.conf'))).toBeUndefined();
  });

  it('keeps trimmed non-empty lines', () => {
    const f = join(dir, 'a.conf');
    writeFileSync(f, '  ^net\\.core\\.somaxconn$  \n\n\t^net\\.ipv4\\.conf\\.IFNAME\\.[a-z_]*$\n');
    expect(readAllowlist(f)).toEqual(['^net\\.core\\.somaxconn$', '^net\\.ipv4\\.conf\\.IFNAME\\.[a-z_]*$']);
  });

  it('matches patterns anywhere in the raw key (unanchored, like regexp.MatchString)', () => {
    const list = ['^net\\.core\\.somaxconn$', 'log_martians'];
    expect(() => checkAllowed(['net.core.somaxconn', 'net.ipv4.conf.all.log_martians'], list)).not.toThrow();
    expect(() => checkAllowed(['net.ipv4.ip_forward'], list)).toThrow(
      'Sysctl net.ipv4.ip_forward is not allowed. Only the following sysctls are allowed: [^net\\.core\\.somaxconn$ log_martians]',
    );
  });

  it('translates the RE2 spellings JS lacks', () => {
    expect(goRegExp('(?i)^NET\\.core').test('net.core.x')).toBe(true);
    expect(goRegExp('\\Anet\\.core\\.[[:alpha:]_]+\\z').test('net.core.somaxconn')).toBe(true);
    expect(goRegExp('\\Anet\\.core\\.[[:alpha:]_]+\\z').test('net.core.somaxconn1')).toBe(false);
    expect(goRegExp('(?P<x>net)').test('net')).toBe(true);
  });

  it('reports an invalid pattern only when a key reaches it', () => {
    expect(() => checkAllowed(['net.core.somaxconn'], ['somaxconn', '('])).not.toThrow();
    expect(() => checkAllowed(['net.ipv4.ip_forward'], ['somaxconn', '('])).toThrow(/^error parsing regexp: /);
  });
});
