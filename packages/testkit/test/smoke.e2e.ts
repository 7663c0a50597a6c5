import { describe, expect, it } from 'vitest';
import { addrs, checkLeaks, link, must, ping, testEnv } from '../src/index';

describe('e2e smoke: the root suite really runs against the kernel', () => {
  checkLeaks();

  it('pings across a veth pair between two throwaway namespaces', () => {
    const env = testEnv();
    must('ip', ['-n', env.host.name, 'link', 'add', 'smk0', 'type', 'veth', 'peer', 'name', 'smk1', 'netns', env.container.name]);
    must('ip', ['-n', env.host.name, 'addr', 'add', '10.199.0.1/30', 'dev', 'smk0']);
    must('ip', ['-n', env.container.name, 'addr', 'add', '10.199.0.2/30', 'dev', 'smk1']);
    must('ip', ['-n', env.host.name, 'link', 'set', 'smk0', 'up']);
    must('ip', ['-n', env.container.name, 'link', 'set', 'smk1', 'up']);

    expect(link(env.container.name, 'smk1')?.linkinfo?.info_kind).toBe('veth');
    expect(addrs(env.container.name, 'smk1').map((a) => a.local)).toContain('10.199.0.2');
    expect(ping(env.container.name, '10.199.0.1', 2)).toBe(true);
  });
});
