import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CNI_TS_VERSION } from './version-string';
import { runPlugin, sourceCommand } from '@cni-ts/testkit';

const fake = sourceCommand(fileURLToPath(new URL('../../test/fixtures/fake-plugin.ts', import.meta.url)));
const ENV = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'a', CNI_NETNS: '/x', CNI_IFNAME: 'eth0', CNI_PATH: '/x' };
const CONF = '{"name":"n","cniVersion":"0.4.0"}';

describe('run(plugin) as a process', () => {
  it('prints the result with exit 0 and no trailing newline', () => {
    const r = runPlugin(fake, ENV, CONF);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\{\n {4}"cniVersion": "0.4.0",[\s\S]*"dns": \{\}\n\}$/);
    expect(r.stderr).toBe('');
  });

  it.each([
    ['typed', '{\n    "code": 117,\n    "msg": "typed failure",\n    "details": "details here"\n}'],
    ['plain', '{\n    "code": 999,\n    "msg": "plain failure"\n}'],
    ['escaped', '{\n    "code": 999,\n    "msg": "escaped failure"\n}'],
  ])('a %s failure is a CNI error on stdout, exit 1, no stack', (mode, stdout) => {
    const r = runPlugin(fake, { ...ENV, CNI_ARGS: `FAIL_WITH=${mode}` }, CONF);
    expect(r).toEqual({ status: 1, stdout, stderr: '' });
  });

  it('answers VERSION with a trailing newline and the about text on an empty command', () => {
    expect(runPlugin(fake, { CNI_COMMAND: 'VERSION' })).toEqual({
      status: 0,
      stdout: '{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}\n',
      stderr: '',
    });
    const about = runPlugin(fake, {});
    expect(about.status).toBe(0);
    expect(about.stderr).toBe(`CNI fake plugin cni-ts ${CNI_TS_VERSION}\nCNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0\n`);
  });

  it('reads a large stdin completely', () => {
    const big = JSON.stringify({ name: 'n', cniVersion: '0.4.0', pad: 'x'.repeat(1 << 20) });
    expect(runPlugin(fake, ENV, big).status).toBe(0);
  });
});
