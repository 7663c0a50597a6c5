// Our own reading of a kubeconfig, with client-go's rules (clientcmd: what upstream Multus and
// whereabouts use): only the current context's cluster and user are read and checked, a plain
// http:// server is allowed (kubectl proxy), a server without a scheme is https when TLS
// settings are given, a file path and its -data twin together are an error, as are a token
// and basic auth together and a CA with insecure-skip-tls-verify, and a token file wins over
// an inline token once it can be read. Exec and auth-provider plugins and proxies are left to
// @kubernetes/client-node (undefined answer), whose own rules then apply. Where we are
// stricter on purpose it is said here and in docs/compat.md: a context naming a user or a
// cluster the file does not define is an error (client-go goes on anonymous, or with "no
// configuration"), so a typo cannot turn into anonymous requests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection, Material } from './connection';
import { TokenFile } from './token-file';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const set = (v: unknown) => v !== undefined && v !== null && v !== '';
const inDir = (baseDir: string, file: string) => (path.isAbsolute(file) ? file : path.join(baseDir, file));

/** Settings we leave to client-node: its exec and auth-provider plugins, proxies. */
const CLIENT_NODE_USER_KEYS = ['exec', 'auth-provider'];
const CLIENT_NODE_CLUSTER_KEYS = ['proxy-url'];

/** clientcmd's "invalid configuration" error (the load fails). */
export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

const invalid = (errs: string[]) => new KubeconfigError(`invalid configuration: ${errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`}`);
const NO_CONFIG = 'no configuration has been provided, try setting KUBERNETES_MASTER environment variable';

/** The entry named `name` of a named list (clusters, users, contexts), unwrapped; undefined when absent. */
function find(list: unknown, name: unknown, key: string): Obj | undefined {
  if (!Array.isArray(list)) return undefined;
  const hit = list.find((e) => isObj(e) && e.name === name) as Obj | undefined;
  if (!hit) return undefined;
  return isObj(hit[key]) ? hit[key] : {};
}

function str(o: Obj, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new KubeconfigError(`json: cannot unmarshal ${typeof v} into Go struct field ${where}.${key} of type string`);
  return v;
}

function bool(o: Obj, key: string, where: string): boolean {
  const v = o[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new KubeconfigError(`json: cannot unmarshal ${typeof v} into Go struct field ${where}.${key} of type bool`);
  return v;
}

function strings(o: Obj, key: string, where: string): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new KubeconfigError(`json: cannot unmarshal ${typeof v} into Go struct field ${where}.${key} of type []string`);
  return v as string[];
}

function readable(file: string, what: string, owner: string, errs: string[]): void {
  try {
    readFileSync(file);
  } catch (err) {
    errs.push(`unable to read ${what} ${file} for ${owner} due to ${(err as Error).message}`);
  }
}

/** A file or -data pair: both set is clientcmd's error ("-data will override", yet the load fails). */
function material(baseDir: string, o: Obj, key: string, where: string, owner: string, label: string, errs: string[]): Material | undefined {
  const file = str(o, key, where);
  const data = str(o, `${key}-data`, where);
  if (file && data) errs.push(`${label}-data and ${label} are both specified for ${owner}. ${label}-data will override.`);
  if (data) return { data };
  if (file) return { file: inDir(baseDir, file) };
  return undefined;
}

/** rest.DefaultServerURL: a host without a scheme is https when TLS settings exist, else http. */
function serverUrl(server: string, tls: boolean): string {
  let url: URL | undefined;
  try {
    url = new URL(server);
  } catch {
    url = undefined;
  }
  const text = url && url.host ? server : `${tls ? 'https' : 'http'}://${server}`;
  return text.replace(/\/$/, '');
}

/**
 * The connection a parsed kubeconfig describes, or undefined when client-node must handle it.
 * `baseDir` is the kubeconfig's directory: relative paths are taken from there, as clientcmd
 * does. Throws KubeconfigError with clientcmd's texts for a configuration it would refuse.
 */
export function connectionFromKubeconfig(doc: unknown, baseDir: string): Connection | undefined {
  if (!isObj(doc)) throw invalid([NO_CONFIG]);
  const contextName = doc['current-context'];
  if (!set(contextName)) throw invalid([NO_CONFIG]);
  const context = find(doc.contexts, contextName, 'context');
  if (!context) throw invalid([`context was not found for specified context: ${String(contextName)}`]);
  const clusterName = context.cluster;
  const cluster = find(doc.clusters, clusterName, 'cluster');
  // Stricter than clientcmd on purpose (docs/compat.md): a name the file does not define is an error.
  if (!set(clusterName) || !cluster) throw invalid([set(clusterName) ? `cluster ${JSON.stringify(clusterName)} is not defined` : NO_CONFIG]);
  const userName = context.user;
  const user = set(userName) ? find(doc.users, userName, 'user') : {};
  if (!user) throw invalid([`user ${JSON.stringify(userName)} is not defined`]);
  if (CLIENT_NODE_USER_KEYS.some((k) => set(user[k])) || CLIENT_NODE_CLUSTER_KEYS.some((k) => set(cluster[k]))) return undefined;

  const errs: string[] = [];
  const cName = String(clusterName);
  const uName = String(userName ?? '');
  const server = str(cluster, 'server', 'Cluster');
  if (!server) errs.push(`no server found for cluster ${JSON.stringify(cName)}`);
  const skipTLSVerify = bool(cluster, 'insecure-skip-tls-verify', 'Cluster');
  const ca = material(baseDir, cluster, 'certificate-authority', 'Cluster', cName, 'certificate-authority', errs);
  if (ca && 'file' in ca) readable(ca.file, 'certificate-authority', cName, errs);
  // clientcmd spells it client-cert in its messages.
  const cert = material(baseDir, user, 'client-certificate', 'AuthInfo', uName, 'client-cert', errs);
  const key = material(baseDir, user, 'client-key', 'AuthInfo', uName, 'client-key', errs);
  if (cert && !key) errs.push(`client-key-data or client-key must be specified for ${uName} to use the clientCert authentication method.`);
  if (cert && 'file' in cert) readable(cert.file, 'client-cert', uName, errs);
  if (cert && key && 'file' in key) readable(key.file, 'client-key', uName, errs);
  const token = str(user, 'token', 'AuthInfo');
  const username = str(user, 'username', 'AuthInfo');
  const password = str(user, 'password', 'AuthInfo');
  if (token && (username || password)) errs.push(`more than one authentication method found for ${uName}; found [token basicAuth], only one is allowed`);
  const groups = strings(user, 'as-groups', 'AuthInfo');
  const impersonate = str(user, 'as', 'AuthInfo');
  const impersonateUid = str(user, 'as-uid', 'AuthInfo');
  const extraRaw = user['as-user-extra'];
  const impersonateExtra: Record<string, string[]> = {};
  if (isObj(extraRaw)) for (const [k, v] of Object.entries(extraRaw)) impersonateExtra[k] = Array.isArray(v) ? v.map(String) : [];
  if ((groups.length || impersonateUid || Object.keys(impersonateExtra).length) && !impersonate) errs.push(`requesting uid, groups or user-extra for ${uName} without impersonating a user`);
  if (errs.length) throw invalid(errs);
  if (skipTLSVerify && ca) throw new KubeconfigError('specifying a root certificates file with the insecure flag is not allowed');

  const conn: Connection = { server: serverUrl(server!, !!ca || !!cert || skipTLSVerify), skipTLSVerify, ca, cert, key };
  const tlsServerName = str(cluster, 'tls-server-name', 'Cluster');
  if (tlsServerName) conn.tlsServerName = tlsServerName;
  if (token) conn.token = token;
  // `tokenFile` is clientcmd's spelling; `token-file` client-node's (accepted too).
  const file = str(user, 'tokenFile', 'AuthInfo') || str(user, 'token-file', 'AuthInfo');
  if (file) {
    conn.tokenFile = new TokenFile(inDir(baseDir, file));
    // Without an inline token the file must be readable now (clientcmd reads it at load).
    if (!token) conn.tokenFile.token();
  }
  if (username || password) {
    if (conn.tokenFile) throw new KubeconfigError('username/password or bearer token may be set, but not both');
    conn.basic = { username: username ?? '', password: password ?? '' };
  }
  const ns = str(context, 'namespace', 'Context');
  if (ns) conn.namespace = ns;
  if (impersonate !== undefined) conn.impersonate = impersonate;
  if (groups.length) conn.impersonateGroups = groups;
  if (impersonateUid) conn.impersonateUid = impersonateUid;
  if (Object.keys(impersonateExtra).length) conn.impersonateExtra = impersonateExtra;
  return conn;
}

/**
 * Reads and resolves a kubeconfig file (YAML or JSON). A file that cannot be read throws the fs
 * error, one that does not parse clientcmd's `error loading config file`; one that needs an
 * exec or auth-provider plugin or a proxy answers undefined (client-node's business).
 */
export async function readKubeconfig(file: string): Promise<Connection | undefined> {
  const text = readFileSync(file, 'utf8');
  let doc: unknown;
  try {
    const { load } = await import('js-yaml');
    doc = load(text);
  } catch (err) {
    throw new KubeconfigError(`error loading config file "${file}": ${(err as Error).message.split('\n')[0]}`);
  }
  return connectionFromKubeconfig(doc, path.dirname(file));
}
