import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderInit, shq } from './init-script.mjs';

const base = {
  work: '/tmp/cnits-kernel-1-abc',
  rw: ['/tmp/out dir'],
  cwd: '/work/main',
  env: { PATH: '/usr/bin:/bin', WEIRD: `a 'b' "c" $d \`e\`` },
  argv: ['node', 'it\'s', '$HOME'],
  tty: null,
  modules: ['dummy', 'ipvlan'],
  runnerPid: 42,
};

describe('guest init script', () => {
  it('quotes words so the shell hands them over unchanged', () => {
    const words = ['plain', "it's", '$HOME', '`id`', 'a b', '', '\\n'];
    const out = execFileSync('sh', ['-c', `printf '%s\\n' ${words.map(shq).join(' ')}`], { encoding: 'utf8' });
    expect(out).toBe(words.map((w) => `${w}\n`).join(''));
  });

  it('is valid sh', () => {
    execFileSync('sh', ['-n'], { input: renderInit(base) });
    execFileSync('sh', ['-n'], { input: renderInit({ ...base, tty: { cols: 100, rows: 30 } }) });
  });

  it('runs the command with exactly the given environment', () => {
    const script = renderInit(base);
    expect(script).toContain(`set -- env -i \\\n  'PATH=/usr/bin:/bin' \\\n  'WEIRD=a '\\''b'\\'' "c" $d \`e\`' \\\n  'node' 'it'\\''s' '$HOME'`);
  });

  it('mounts the work dir and --out dirs read-write and watches the runner', () => {
    const script = renderInit(base);
    expect(script).toContain(`rw_mount '/tmp/cnits-kernel-1-abc'\nrw_mount '/tmp/out dir'`);
    expect(script).toContain('-o /proc/42');
    expect(script).toContain('modprobe -a dummy ipvlan');
  });

  it('keeps the overlay /tmp when the repository lives under /tmp', () => {
    expect(renderInit(base)).toContain('mount -t tmpfs -o mode=1777 tmpfs /tmp');
    expect(renderInit({ ...base, cwd: '/tmp/clone' })).not.toContain('mount -t tmpfs -o mode=1777 tmpfs /tmp');
  });
});
