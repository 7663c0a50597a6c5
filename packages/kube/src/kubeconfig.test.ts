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
    write('rel/pki/c.crt', 'cert');
    const key = write('abs/c.key', 'key');
    const file = write('rel/kubeconfig', JSON.stringify(doc({ 'certificate-authority': 'pki/ca.crt' }, { 'client-certificate': 'pki/c.crt', 'client-key': key, tokenFile: 'token' })));
    const conn = await readKubeconfig(file);
    expect(conn?.ca).toEqual({ file: path.join(dir, 'rel/pki/ca.crt') });
    expect(conn?.cert).toEqual({ file: path.join(dir, 'rel/pki/c.crt') });
    expect(conn?.key).toEqual({ file: key });
    expect(conn?.tokenFile?.path).toBe(path.join(dir, 'rel/token'));
    expect(conn?.tokenFile?.token()).toBe('tok');
  });

  it('throws the fs error for a missing file (client-node says the same)', async () => {
    await expect(readKubeconfig(path.join(dir, 'nope'))).rejects.toThrow(/ENOENT: no such file or directory, open '.*nope'/);
  });

  it('a file that does not parse: clientcmd\'s error (no fallback)', async () => {
    const file = write('bad', 'clusters: [\n');
    await expect(readKubeconfig(file)).rejects.toThrow(`error loading config file "${file}": `);
  });
});

const resolve = (d: unknown) => connectionFromKubeconfig(d, dir);

describe('connectionFromKubeconfig (client-go rules)', () => {
  it('a file path and its -data twin together, a string for a bool, a CA with insecure: errors as clientcmd', () => {
    expect(() => resolve(doc({ 'certificate-authority': '/ca', 'certificate-authority-data': 'Zm9v' }, {}))).toThrow(
      'invalid configuration: certificate-authority-data and certificate-authority are both specified for c. certificate-authority-data will override.',
    );
    expect(() => resolve(doc({}, { 'client-certificate-data': 'YQ==', 'client-certificate': '/c', 'client-key-data': 'Yg==' }))).toThrow(/client-cert-data and client-cert are both specified for u/);
    expect(() => resolve(doc({}, { 'client-certificate-data': 'YQ==' }))).toThrow('client-key-data or client-key must be specified for u to use the clientCert authentication method.');
    expect(() => resolve(doc({ 'insecure-skip-tls-verify': 'true' }, {}))).toThrow(/cannot unmarshal string into Go struct field Cluster.insecure-skip-tls-verify of type bool/);
    expect(() => resolve(doc({ 'insecure-skip-tls-verify': true, 'certificate-authority-data': 'Zm9v' }, {}))).toThrow('specifying a root certificates file with the insecure flag is not allowed');
    expect(() => resolve(doc({ 'certificate-authority': 'no-such-ca' }, {}))).toThrow(/unable to read certificate-authority .*no-such-ca for c due to ENOENT/);
    const conn = resolve(doc({ 'certificate-authority-data': 'Zm9v', 'tls-server-name': 'kubernetes' }, { 'client-certificate-data': 'YQ==', 'client-key-data': 'Yg==' }));
    expect(conn).toMatchObject({ ca: { data: 'Zm9v' }, cert: { data: 'YQ==' }, key: { data: 'Yg==' }, skipTLSVerify: false, tlsServerName: 'kubernetes' });
  });

  it('a plain http:// server is used as it is; a server without a scheme is https only with TLS settings', () => {
    expect(resolve(doc({ server: 'http://127.0.0.1:8001' }, { token: 't' }))).toMatchObject({ server: 'http://127.0.0.1:8001', skipTLSVerify: false, token: 't' });
    expect(resolve(doc({ server: '10.0.0.1:6443' }, {}))?.server).toBe('http://10.0.0.1:6443');
    expect(resolve(doc({ server: '10.0.0.1:6443', 'certificate-authority-data': 'Zm9v' }, {}))?.server).toBe('https://10.0.0.1:6443');
  });

  it('basic auth; a token with basic auth is refused; impersonation with groups, uid and extras', () => {
    expect(resolve(doc({}, { username: 'a', password: 'b' }))).toMatchObject({ basic: { username: 'a', password: 'b' } });
    expect(() => resolve(doc({}, { token: 't', username: 'a', password: 'b' }))).toThrow('more than one authentication method found for u; found [token basicAuth], only one is allowed');
    const conn = resolve(doc({}, { as: 'x', 'as-groups': ['g1', 'g2'], 'as-uid': '42', 'as-user-extra': { scopes: ['a'] } }));
    expect(conn).toMatchObject({ impersonate: 'x', impersonateGroups: ['g1', 'g2'], impersonateUid: '42', impersonateExtra: { scopes: ['a'] } });
    expect(() => resolve(doc({}, { 'as-groups': ['g'] }))).toThrow('requesting uid, groups or user-extra for u without impersonating a user');
  });

  it('a token and a token file: both kept (the file wins once readable, client-go\'s refresh)', () => {
    const conn = resolve(doc({}, { token: 'inline', tokenFile: '/nonexistent' }));
    expect(conn?.token).toBe('inline');
    expect(conn?.tokenFile?.path).toBe('/nonexistent');
  });

  it('picks the current context among several', () => {
    const d = doc({}, { token: 'one' });
    (d.clusters as Obj[]).push({ name: 'other', cluster: { server: 'https://other' } });
    (d.users as Obj[]).push({ name: 'u2', user: { token: 'two' } });
    (d.contexts as Obj[]).push({ name: 'ctx2', context: { cluster: 'other', user: 'u2' } });
    expect(resolve({ ...d, 'current-context': 'ctx2' })).toMatchObject({ server: 'https://other', token: 'two' });
  });

  it('accepts what client-node exports (a context carrying its name, null fields); unknown keys are ignored', () => {
    const d = doc({ 'proxy-url': undefined, 'tls-server-name': undefined, 'disable-compression': true, extensions: [] }, { as: null, 'auth-provider': null, exec: null, token: 't', whatever: 1 });
    (d.contexts as Obj[])[0] = { name: 'ctx', context: { name: 'ctx', cluster: 'c', user: 'u' } };
    expect(resolve(d)?.token).toBe('t');
  });

  it('reads only the current user\'s token file (clientcmd checks the current context only)', () => {
    expect(() => resolve(doc({}, { tokenFile: path.join(dir, 'missing-token') }))).toThrow(/ENOENT/);
    const d = doc({}, { token: 't' });
    (d.users as Obj[]).push({ name: 'other', user: { 'token-file': path.join(dir, 'missing-token') } });
    (d.clusters as Obj[]).push({ name: 'broken', cluster: {} });
    expect(resolve(d)?.token).toBe('t');
  });

  it('a context without a user is anonymous; a user or cluster the file does not define is an error (stricter on purpose)', () => {
    expect(resolve(doc({}, {}, { contexts: [{ name: 'ctx', context: { cluster: 'c' } }] }))).toMatchObject({ server: 'https://10.0.0.1:6443' });
    expect(() => resolve(doc({}, {}, { contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'nobody' } }] }))).toThrow('invalid configuration: user "nobody" is not defined');
    expect(() => resolve(doc({}, {}, { contexts: [{ name: 'ctx', context: { cluster: 'x', user: 'u' } }] }))).toThrow('invalid configuration: cluster "x" is not defined');
  });

  it.each([
    ['no current context', { ...doc({}, {}), 'current-context': undefined }, 'invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable'],
    ['a current context that does not exist', doc({}, {}, { 'current-context': 'nope' }), 'invalid configuration: context was not found for specified context: nope'],
    ['a cluster without a server', doc({}, {}, { clusters: [{ name: 'c', cluster: {} }] }), 'invalid configuration: no server found for cluster "c"'],
    ['a document that is not a mapping', 'just text', 'invalid configuration: no configuration has been provided'],
    ['an empty document', undefined, 'invalid configuration: no configuration has been provided'],
  ])('refuses %s', (_what, d, msg) => {
    expect(() => resolve(d)).toThrow(msg);
  });

  it.each([
    ['an exec plugin', doc({}, { exec: { command: 'aws' } })],
    ['an auth-provider', doc({}, { 'auth-provider': { name: 'oidc' } })],
    ['a proxy', doc({ 'proxy-url': 'socks5://p:1080' }, { token: 't' })],
  ])('leaves %s to client-node', (_what, d) => {
    expect(resolve(d)).toBeUndefined();
  });
});
