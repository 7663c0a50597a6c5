import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectionFromKubeconfig, readKubeconfig } from './kubeconfig';

const dir = mkdtempSync(path.join(tmpdir(), 'cnits-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Obj = Record<string, unknown>;
const doc = (cluster: Obj, user: Obj, extra: Obj = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443', ...cluster } }],
  users: [{ name: 'u', user }],
  contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
  'current-context': 'ctx',
  ...extra,
});

const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
};

describe('the current context namespace', () => {
  it('is the context namespace when set, else undefined', () => {
    const base = doc({ 'insecure-skip-tls-verify': true }, { token: 't' });
    expect(connectionFromKubeconfig(base, dir)?.namespace).toBeUndefined();
    const withNs = { ...base, contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'kube-system' } }] };
    expect(connectionFromKubeconfig(withNs, dir)?.namespace).toBe('kube-system');
  });
});

describe('readKubeconfig', () => {
  it('reads YAML as the thick entrypoint writes it', async () => {
    const file = write(
      'yaml/kubeconfig',
      [
        '# Kubeconfig file for Multus CNI plugin.',
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: local',
        '  cluster:',
        '    server: https://[fd00::1]:443/',
        `    certificate-authority-data: ${Buffer.from('PEM').toString('base64')}`,
        'users:',
        '- name: multus',
        '  user:',
        '    token: "abc.def"',
        'contexts:',
        '- name: multus-context',
        '  context:',
        '    cluster: local',
        '    user: multus',
        'current-context: multus-context',
        '',
      ].join('\n'),
    );
    const conn = await readKubeconfig(file);
    expect(conn).toMatchObject({ server: 'https://[fd00::1]:443', token: 'abc.def', skipTLSVerify: false, ca: { data: Buffer.from('PEM').toString('base64') } });
  });

  it('reads JSON, keeps a path prefix of the server', async () => {
    const conn = await readKubeconfig(write('k.json', JSON.stringify(doc({ server: 'https://proxy.example/k8s/', 'insecure-skip-tls-verify': true }, { token: 't' }))));
    expect(conn).toMatchObject({ server: 'https://proxy.example/k8s', skipTLSVerify: true, token: 't' });
  });

  it('takes relative paths from the kubeconfig directory, as kubectl does', async () => {
    write('rel/pki/ca.crt', 'ca');
    write('rel/token', 'tok\n');
    const file = write('rel/kubeconfig', JSON.stringify(doc({ 'certificate-authority': 'pki/ca.crt' }, { 'client-certificate': 'pki/c.crt', 'client-key': '/abs/c.key', tokenFile: 'token' })));
    const conn = await readKubeconfig(file);
    expect(conn?.ca).toEqual({ file: path.join(dir, 'rel/pki/ca.crt') });
    expect(conn?.cert).toEqual({ file: path.join(dir, 'rel/pki/c.crt') });
    expect(conn?.key).toEqual({ file: '/abs/c.key' });
    expect(conn?.tokenFile?.path).toBe(path.join(dir, 'rel/token'));
    expect(conn?.tokenFile?.token()).toBe('tok');
  });

  it('throws the fs error for a missing file (client-node says the same)', async () => {
    await expect(readKubeconfig(path.join(dir, 'nope'))).rejects.toThrow(/ENOENT: no such file or directory, open '.*nope'/);
  });

  it('leaves a file that does not parse to client-node', async () => {
    expect(await readKubeconfig(write('bad', 'clusters: [\n'))).toBeUndefined();
  });
});

const resolve = (d: unknown) => connectionFromKubeconfig(d, dir);

describe('connectionFromKubeconfig', () => {
  it('a file path wins over its -data twin; insecure-skip-tls-verify counts only when true', () => {
    const conn = resolve(doc({ 'certificate-authority': '/ca', 'certificate-authority-data': 'Zm9v', 'insecure-skip-tls-verify': 'true', 'tls-server-name': 'kubernetes' }, { 'client-certificate-data': 'YQ==', 'client-key-data': 'Yg==' }));
    expect(conn).toMatchObject({ ca: { file: '/ca' }, cert: { data: 'YQ==' }, key: { data: 'Yg==' }, skipTLSVerify: false, tlsServerName: 'kubernetes' });
  });

  it('basic auth, impersonation, and a token that wins over a token file', () => {
    expect(resolve(doc({}, { username: 'a', password: 'b', as: 'system:admin' }))).toMatchObject({ basic: { username: 'a', password: 'b' }, impersonate: 'system:admin' });
    const conn = resolve(doc({}, { token: 'inline', 'token-file': '/nonexistent' }));
    expect(conn?.token).toBe('inline');
    expect(conn?.tokenFile).toBeUndefined();
  });

  it('picks the current context among several', () => {
    const d = doc({}, { token: 'one' });
    (d.clusters as Obj[]).push({ name: 'other', cluster: { server: 'https://other' } });
    (d.users as Obj[]).push({ name: 'u2', user: { token: 'two' } });
    (d.contexts as Obj[]).push({ name: 'ctx2', context: { cluster: 'other', user: 'u2' } });
    expect(resolve({ ...d, 'current-context': 'ctx2' })).toMatchObject({ server: 'https://other', token: 'two' });
  });

  it('accepts what client-node exports (a context carrying its name, null fields)', () => {
    const d = doc({ 'proxy-url': undefined, 'tls-server-name': undefined }, { as: null, 'auth-provider': null, exec: null, token: 't' });
    (d.contexts as Obj[])[0] = { name: 'ctx', context: { name: 'ctx', cluster: 'c', user: 'u' } };
    expect(resolve(d)?.token).toBe('t');
  });

  it('fails the load when a token file is missing, even another user\'s (client-node reads them all)', () => {
    expect(() => resolve(doc({}, { 'token-file': path.join(dir, 'missing-token') }))).toThrow(/ENOENT/);
    const d = doc({}, { token: 't' });
    (d.users as Obj[]).push({ name: 'other', user: { 'token-file': path.join(dir, 'missing-token') } });
    expect(() => resolve(d)).toThrow(/ENOENT/);
  });

  it.each([
    ['an exec plugin', doc({}, { exec: { command: 'aws' } })],
    ['an auth-provider', doc({}, { 'auth-provider': { name: 'oidc' } })],
    ['a proxy', doc({ 'proxy-url': 'socks5://p:1080' }, { token: 't' })],
    ['impersonated groups', doc({}, { as: 'x', 'as-groups': ['g'] })],
    ['a username without a password', doc({}, { username: 'a' })],
    ['several contexts and no current one', { ...doc({}, {}), 'current-context': undefined, contexts: [{ name: 'a', context: { cluster: 'c' } }, { name: 'b', context: { cluster: 'c' } }] }],
    ['a current context that does not exist', doc({}, {}, { 'current-context': 'nope' })],
    ['a context without a user', doc({}, {}, { contexts: [{ name: 'ctx', context: { cluster: 'c' } }] })],
    ['a context naming a missing cluster', doc({}, {}, { contexts: [{ name: 'ctx', context: { cluster: 'x', user: 'u' } }] })],
    ['a cluster without a server (client-node rejects it)', doc({}, {}, { clusters: [{ name: 'c', cluster: { server: 'https://a' } }, { name: 'd', cluster: {} }] })],
    ['an entry without a name', doc({}, {}, { users: [{ user: {} }] })],
    ['a document that is not a mapping', 'just text'],
    ['an empty document', undefined],
  ])('leaves %s to client-node', (_what, d) => {
    expect(resolve(d)).toBeUndefined();
  });
});
