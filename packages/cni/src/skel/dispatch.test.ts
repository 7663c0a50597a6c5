import { describe, expect, it } from 'vitest';
import { CNI_TS_VERSION } from './version-string';
import { CniError } from '../errors';
import type { CniRequest, Plugin } from '../plugin';
import { dispatch } from './dispatch';

const BASE = { CNI_CONTAINERID: 'c1', CNI_NETNS: '/var/run/netns/none-such', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin' };
const CONF = '{"cniVersion":"1.1.0","name":"net1","type":"fake"}';

function fake(overrides: Partial<Plugin> = {}): Plugin & { calls: CniRequest[] } {
  const calls: CniRequest[] = [];
  return {
    type: 'fake',
    calls,
    add: (req) => {
      calls.push(req);
      return { cniVersion: '1.1.0', ips: [{ address: '10.1.0.5/16', gateway: '10.1.0.1' }] };
    },
    del: (req) => void calls.push(req),
    check: (req) => void calls.push(req),
    ...overrides,
  };
}

async function call(env: Record<string, string | undefined>, stdin: string | (() => Uint8Array) = CONF, plugin = fake()) {
  const out = await dispatch(plugin, { env, stdin });
  let json: Record<string, unknown> | undefined;
  try {
    json = out.exitCode ? JSON.parse(out.stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { ...out, json };
}

describe('dispatch: environment', () => {
  it('prints the about text on stderr with no CNI_COMMAND', async () => {
    const out = await call({});
    expect(out).toMatchObject({ exitCode: 0, stdout: '' });
    expect(out.stderr).toBe(`CNI fake plugin cni-ts ${CNI_TS_VERSION}\nCNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0\n`);
    const custom = await call({ ...BASE }, CONF, fake({ about: 'CNI fake plugin v9', supportedVersions: ['0.4.0', '1.0.0'] }));
    expect(custom.stderr).toBe('CNI fake plugin v9\nCNI protocol versions supported: 0.4.0, 1.0.0\n');
  });

  it('reports a missing CNI_COMMAND when the about text is empty', async () => {
    expect((await call({}, CONF, fake({ about: '' }))).json).toEqual({ code: 4, msg: 'required env variables [CNI_COMMAND] missing' });
  });

  it.each([
    ['ADD', {}, 'CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH'],
    ['CHECK', {}, 'CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH'],
    ['DEL', {}, 'CNI_CONTAINERID,CNI_IFNAME,CNI_PATH'],
    ['GC', {}, 'CNI_PATH'],
    ['STATUS', {}, 'CNI_PATH'],
    ['ADD', { CNI_CONTAINERID: 'a', CNI_IFNAME: 'eth0' }, 'CNI_NETNS,CNI_PATH'],
    ['DEL', { CNI_NETNS: '/x' }, 'CNI_CONTAINERID,CNI_IFNAME,CNI_PATH'],
  ])('%s with %j misses [%s]', async (cmd, env, missing) => {
    const out = await call({ CNI_COMMAND: cmd, ...env }, () => {
      throw new Error('stdin must not be read');
    });
    expect(out.json).toEqual({ code: 4, msg: `required env variables [${missing}] missing` });
    expect(out.stdout).toBe(`{\n    "code": 4,\n    "msg": "required env variables [${missing}] missing"\n}`);
  });

  it('validates present variables in walk order, before reporting missing ones', async () => {
    expect((await call({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: '-bad' })).json).toEqual({
      code: 4,
      msg: 'invalid characters in containerID',
      details: '-bad',
    });
    expect((await call({ CNI_COMMAND: 'DEL', CNI_IFNAME: 'a'.repeat(16) })).json).toEqual({
      code: 4,
      msg: 'interface name is too long',
      details: 'interface name should be less than 16 characters',
    });
    expect((await call({ ...BASE, CNI_COMMAND: 'CHECK', CNI_IFNAME: 'eth0/1' })).json).toEqual({
      code: 4,
      msg: 'interface name contains / or : or whitespace characters',
    });
    expect((await call({ ...BASE, CNI_COMMAND: 'ADD', CNI_IFNAME: '..' })).json).toEqual({ code: 4, msg: 'interface name is . or ..' });
  });

  it('does not validate variables a command does not require', async () => {
    const plugin = fake({ gc: () => undefined });
    const out = await call({ CNI_COMMAND: 'GC', CNI_PATH: '/x', CNI_CONTAINERID: '-bad', CNI_IFNAME: 'a b c d e f g h i' }, CONF, plugin);
    expect(out).toMatchObject({ exitCode: 0, stdout: '' });
  });

  it('answers VERSION without reading stdin', async () => {
    const out = await call({ CNI_COMMAND: 'VERSION' }, () => {
      throw new Error('stdin must not be read');
    });
    expect(out).toMatchObject({
      exitCode: 0,
      stdout: '{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}\n',
    });
    const narrow = await call({ CNI_COMMAND: 'VERSION' }, '', fake({ supportedVersions: ['0.4.0'] }));
    expect(narrow.stdout).toBe('{"cniVersion":"1.1.0","supportedVersions":["0.4.0"]}\n');
  });
});

describe('dispatch: stdin', () => {
  it('code 5 when stdin cannot be read', async () => {
    const out = await call({ ...BASE, CNI_COMMAND: 'ADD' }, () => {
      throw new Error('read /dev/stdin: bad file descriptor');
    });
    expect(out.json).toEqual({ code: 5, msg: 'error reading from stdin: read /dev/stdin: bad file descriptor' });
  });

  it.each([
    ['', 6, 'error unmarshall network config: unexpected end of JSON input'],
    ['{"name":"x"', 6, 'error unmarshall network config: unexpected end of JSON input'],
    ['{"name":5}', 6, 'error unmarshall network config: json: cannot unmarshal number into Go struct field .name of type string'],
    ['[1]', 6, 'error unmarshall network config: json: cannot unmarshal array into Go value of type struct { Name string "json:\\"name\\"" }'],
    ['null', 7, 'missing network name'],
    ['{}', 7, 'missing network name'],
    ['{"name":""}', 7, 'missing network name'],
  ])('%j => code %i', async (stdin, code, msg) => {
    expect((await call({ ...BASE, CNI_COMMAND: 'ADD' }, stdin)).json).toEqual({ code, msg });
  });

  it('checks the network name, matching keys case-insensitively (last wins)', async () => {
    expect((await call({ ...BASE, CNI_COMMAND: 'ADD' }, '{"name":"a","NAME":"b c"}')).json).toEqual({
      code: 7,
      msg: 'invalid characters found in network name',
      details: 'b c',
    });
  });

  it('validates stdin before rejecting an unknown command', async () => {
    expect((await call({ CNI_COMMAND: 'FOO' }, '')).json).toEqual({ code: 6, msg: 'error unmarshall network config: unexpected end of JSON input' });
    expect((await call({ CNI_COMMAND: 'FOO' })).json).toEqual({ code: 4, msg: 'unknown CNI_COMMAND: FOO' });
    expect((await call({ ...BASE, CNI_COMMAND: 'add' })).json).toEqual({ code: 4, msg: 'unknown CNI_COMMAND: add' });
  });
});

describe('dispatch: versions', () => {
  it('requires an exact version match', async () => {
    expect((await call({ ...BASE, CNI_COMMAND: 'ADD' }, '{"name":"n","cniVersion":"1.0"}')).json).toEqual({
      code: 1,
      msg: 'incompatible CNI versions',
      details: 'config is "1.0", plugin supports ["0.1.0" "0.2.0" "0.3.0" "0.3.1" "0.4.0" "1.0.0" "1.1.0"]',
    });
    const p = fake({ supportedVersions: ['0.3.1'] });
    expect((await call({ ...BASE, CNI_COMMAND: 'DEL' }, '{"name":"n"}', p)).json).toEqual({
      code: 1,
      msg: 'incompatible CNI versions',
      details: 'config is "0.1.0", plugin supports ["0.3.1"]',
    });
  });

  it('code 6 for a cniVersion that is not a string', async () => {
    expect((await call({ ...BASE, CNI_COMMAND: 'ADD' }, '{"name":"n","CNIVERSION":["a"]}')).json).toEqual({
      code: 6,
      msg: 'decoding version from network config: json: cannot unmarshal array into Go struct field .cniVersion of type string',
    });
  });

  it.each([
    ['CHECK', '0.3.1', { code: 1, msg: 'config version does not allow CHECK' }],
    ['CHECK', '', { code: 1, msg: 'config version does not allow CHECK' }],
    ['CHECK', 'x.0.0', { code: 6, msg: 'failed to convert major version part "x": strconv.Atoi: parsing "x": invalid syntax' }],
    ['GC', '1.0.0', { code: 1, msg: 'config version does not allow GC' }],
    ['STATUS', '0.4.0', { code: 1, msg: 'config version does not allow STATUS' }],
    ['STATUS', '1.1', { code: 1, msg: 'incompatible CNI versions', details: expect.stringContaining('config is "1.1"') }],
  ])('%s with config %j', async (cmd, version, err) => {
    const stdin = JSON.stringify(version ? { name: 'n', cniVersion: version } : { name: 'n' });
    expect((await call({ ...BASE, CNI_COMMAND: cmd }, stdin)).json).toEqual(err);
  });

  it('needs a plugin version at least the config version for CHECK/GC/STATUS', async () => {
    const old = fake({ supportedVersions: ['0.3.1', '0.4.0'] });
    expect((await call({ ...BASE, CNI_COMMAND: 'CHECK' }, '{"name":"n","cniVersion":"1.0.0"}', old)).json).toEqual({
      code: 1,
      msg: 'plugin version does not allow CHECK',
    });
    const odd = fake({ supportedVersions: ['0.-42.0', 'x', '1.0.0'] });
    expect((await call({ ...BASE, CNI_COMMAND: 'CHECK' }, '{"name":"n","cniVersion":"1.0.0"}', odd)).json).toEqual({
      code: 6,
      msg: 'failed to convert major version part "x": strconv.Atoi: parsing "x": invalid syntax',
    });
    expect((await call({ CNI_COMMAND: 'GC', CNI_PATH: '/x' }, '{"name":"n","cniVersion":"1.1.0"}', old)).json).toEqual({
      code: 1,
      msg: 'plugin version does not allow GC',
    });
  });

  it('succeeds silently when the plugin has no CHECK/GC/STATUS function', async () => {
    for (const cmd of ['CHECK', 'GC', 'STATUS']) {
      const out = await call({ ...BASE, CNI_COMMAND: cmd }, CONF, fake({ check: undefined }));
      expect(out).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
    }
  });
});

describe('dispatch: plugin calls', () => {
  it('hands the plugin a parsed request', async () => {
    const p = fake();
    await call({ ...BASE, CNI_COMMAND: 'ADD', CNI_ARGS: 'IgnoreUnknown=1;A=b', CNI_PATH: '/a::/b', OTHER: 'x' }, '{"name":"n","Type":"t"}', p);
    const req = p.calls[0]!;
    expect(req).toMatchObject({
      command: 'ADD',
      containerId: 'c1',
      netns: BASE.CNI_NETNS,
      ifname: 'eth0',
      path: ['/a', '', '/b'],
      pathEnv: '/a::/b',
      netnsOverride: '',
      config: { name: 'n', Type: 't' },
      cniVersion: '0.1.0',
    });
    expect(req.args.raw).toBe('IgnoreUnknown=1;A=b');
    expect(req.args.load({})).toEqual({ IgnoreUnknown: true });
    expect(Buffer.from(req.stdin).toString()).toBe('{"name":"n","Type":"t"}');
    expect(req.env.OTHER).toBe('x');
  });

  it('prints the ADD result converted to the config version', async () => {
    const out = await call({ ...BASE, CNI_COMMAND: 'ADD' }, '{"name":"n","cniVersion":"0.2.0"}');
    expect(out).toMatchObject({ exitCode: 0, result: { cniVersion: '0.2.0', ip4: { ip: '10.1.0.5/16', gateway: '10.1.0.1' } } });
    expect(out.stdout).toBe('{\n    "cniVersion": "0.2.0",\n    "ip4": {\n        "ip": "10.1.0.5/16",\n        "gateway": "10.1.0.1"\n    },\n    "dns": {}\n}');
  });

  it('turns a failed conversion into code 999', async () => {
    const p = fake({ add: () => ({ cniVersion: '1.1.0', interfaces: [{ name: 'eth0' }] }) });
    expect((await call({ ...BASE, CNI_COMMAND: 'ADD' }, '{"name":"n","cniVersion":"0.1.0"}', p)).json).toEqual({
      code: 999,
      msg: 'cannot convert: no valid IP addresses',
    });
  });

  it('passes typed errors through and wraps anything else as 999, without stacks', async () => {
    const typed = fake({ add: () => Promise.reject(new CniError(107, 'plugin specific', 'more')) });
    expect((await call({ ...BASE, CNI_COMMAND: 'ADD' }, CONF, typed)).json).toEqual({ code: 107, msg: 'plugin specific', details: 'more' });
    const plain = fake({
      del: () => {
        throw new Error('Link not found');
      },
    });
    const out = await call({ ...BASE, CNI_COMMAND: 'DEL' }, CONF, plain);
    expect(out.json).toEqual({ code: 999, msg: 'Link not found' });
    expect(out.stderr).toBe('');
    const str = fake({
      check: () => {
        throw 'just a string';
      },
    });
    expect((await call({ ...BASE, CNI_COMMAND: 'CHECK' }, CONF, str)).json).toEqual({ code: 999, msg: 'just a string' });
  });

  it('writes the stack to stderr only with CNI_TS_DEBUG', async () => {
    const plain = fake({
      del: () => {
        throw new Error('boom');
      },
    });
    const out = await call({ ...BASE, CNI_COMMAND: 'DEL', CNI_TS_DEBUG: '1' }, CONF, plain);
    expect(out.stderr).toMatch(/^Error: boom\n {4}at /);
  });

  it('collects plugin log lines on stderr', async () => {
    const p = fake({ del: (req) => req.log('hello') });
    expect((await call({ ...BASE, CNI_COMMAND: 'DEL' }, CONF, p)).stderr).toBe('hello\n');
  });
});

describe('dispatch: netns check', () => {
  const own = '/proc/self/ns/net';

  it('fails ADD after printing the result when CNI_NETNS is the plugin netns', async () => {
    const out = await call({ ...BASE, CNI_COMMAND: 'ADD', CNI_NETNS: own });
    expect(out.exitCode).toBe(1);
    expect(out.error?.toJSON()).toEqual({ code: 8, msg: "plugin's netns and netns from CNI_NETNS should not be the same" });
    expect(out.stdout).toMatch(/^\{\n {4}"cniVersion": "1.1.0",[\s\S]*\n\}\{\n {4}"code": 8,/);
  });

  it('fails DEL too, but not CHECK', async () => {
    expect((await call({ ...BASE, CNI_COMMAND: 'DEL', CNI_NETNS: own })).json?.code).toBe(8);
    expect((await call({ ...BASE, CNI_COMMAND: 'CHECK', CNI_NETNS: own })).exitCode).toBe(0);
  });

  it.each(['1', 'true', 'TRUE', 'True'])('CNI_NETNS_OVERRIDE=%s disables it', async (v) => {
    expect((await call({ ...BASE, CNI_COMMAND: 'ADD', CNI_NETNS: own, CNI_NETNS_OVERRIDE: v })).exitCode).toBe(0);
  });

  it('passes for paths that cannot be opened, or an empty DEL netns', async () => {
    expect((await call({ ...BASE, CNI_COMMAND: 'DEL', CNI_NETNS: '' })).exitCode).toBe(0);
    expect((await call({ ...BASE, CNI_COMMAND: 'ADD', CNI_NETNS_OVERRIDE: 'yes' })).exitCode).toBe(0);
  });
});

describe('cniEnv', () => {
  it('builds what a runtime sets, for in-process callers', async () => {
    const { cniEnv } = await import('./env');
    const env = cniEnv({ command: 'ADD', containerId: 'c1', netns: '/n', ifname: 'eth0', args: [['IgnoreUnknown', '1'], ['K', 'v']], path: ['/a', '/b'] }, { KEEP: 'x' });
    expect(env).toEqual({ KEEP: 'x', CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/n', CNI_ARGS: 'IgnoreUnknown=1;K=v', CNI_IFNAME: 'eth0', CNI_PATH: '/a:/b' });
    const out = await dispatch(fake(), { env, stdin: CONF });
    expect(out.exitCode).toBe(0);
  });
});
