// Our own reading of a kubeconfig for the cases Multus meets (a server, a CA, a token, a
// token file, a client certificate, basic auth), so that a command does not load
// @kubernetes/client-node (~20 MiB of heap, ~130 MiB RSS for a thin exec). Anything else
// (exec and auth-provider plugins, proxies, a file client-node would reject) answers
// undefined and the caller falls back to client-node, which then behaves exactly as before.
// Where client-node differs from the obvious reading we follow client-node: entries are
// validated as it validates them, a file path wins over its -data twin, a trailing slash of
// the server is dropped, insecure-skip-tls-verify counts only when it is `true`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection, Material } from './connection';
import { TokenFile } from './token-file';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const present = (v: unknown) => v !== undefined && v !== null;
const inDir = (baseDir: string, file: string) => (path.isAbsolute(file) ? file : path.join(baseDir, file));

/** Keys of the current cluster and user we understand; any other (set) key means fallback. */
const CLUSTER_KEYS = new Set(['server', 'certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify', 'tls-server-name', 'disable-compression', 'extensions']);
const USER_KEYS = new Set(['token', 'token-file', 'tokenFile', 'client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'username', 'password', 'as', 'extensions']);

/** Thrown inside the resolution for "client-node's business": caught and turned into undefined. */
class Fallback extends Error {}

function fallbackUnless(cond: unknown, why: string): asserts cond {
  if (!cond) throw new Fallback(why);
}

/** The first entry named `name` (client-node's findObject), unwrapped. */
function find(list: Obj[], name: unknown, key: string): Obj | undefined {
  const hit = list.find((e) => e.name === name);
  if (!hit) return undefined;
  return isObj(hit[key]) ? hit[key] : {};
}

/** client-node's validation of every entry (it throws on the first bad one, even unused). */
function validate(doc: Obj, baseDir: string): { clusters: Obj[]; users: Obj[]; contexts: Obj[] } {
  const list = (v: unknown): Obj[] => {
    if (!Array.isArray(v)) return [];
    for (const e of v) fallbackUnless(isObj(e) && e.name, 'an entry without a name');
    return v as Obj[];
  };
  const clusters = list(doc.clusters);
  for (const c of clusters) fallbackUnless(isObj(c.cluster) && typeof c.cluster.server === 'string' && c.cluster.server, 'a cluster without a server');
  const contexts = list(doc.contexts);
  for (const c of contexts) fallbackUnless(isObj(c.context) && c.context.cluster, 'a context without a cluster');
  const users = list(doc.users);
  for (const u of users) {
    // client-node reads every user's token-file when it loads the file: a missing one fails
    // the load even when another user is current.
    if (isObj(u.user) && !u.user.token && u.user['token-file']) {
      fallbackUnless(typeof u.user['token-file'] === 'string', 'a token-file that is not a path');
      readFileSync(inDir(baseDir, u.user['token-file']));
    }
  }
  return { clusters, users, contexts };
}

function material(baseDir: string, file: unknown, data: unknown, what: string): Material | undefined {
  if (file) {
    fallbackUnless(typeof file === 'string', `${what} is not a path`);
    return { file: inDir(baseDir, file) };
  }
  if (data) {
    fallbackUnless(typeof data === 'string', `${what}-data is not a string`);
    return { data };
  }
  return undefined;
}

function unknownKeys(o: Obj, known: Set<string>): string[] {
  return Object.keys(o).filter((k) => !known.has(k) && present(o[k]));
}

/**
 * The connection a parsed kubeconfig describes, or undefined when client-node must handle it.
 * `baseDir` is the kubeconfig's directory: relative file paths are taken from there, as
 * kubectl does. Token files are read here (a missing one is an error, as in client-node).
 */
export function connectionFromKubeconfig(doc: unknown, baseDir: string): Connection | undefined {
  try {
    return resolve(doc, baseDir);
  } catch (err) {
    if (err instanceof Fallback) return undefined;
    throw err;
  }
}

function resolve(doc: unknown, baseDir: string): Connection {
  fallbackUnless(isObj(doc), 'not a mapping');
  const { clusters, users, contexts } = validate(doc, baseDir);
  const context = find(contexts, doc['current-context'], 'context');
  fallbackUnless(context, 'no current context');
  const cluster = find(clusters, context.cluster, 'cluster');
  fallbackUnless(cluster, 'no such cluster');
  // Without a user client-node applies no TLS settings at all (not even the CA): leave it that.
  const user = context.user ? find(users, context.user, 'user') : undefined;
  fallbackUnless(user, 'no such user');
  fallbackUnless(unknownKeys(cluster, CLUSTER_KEYS).length === 0, 'cluster settings we do not implement (proxy-url, ...)');
  fallbackUnless(unknownKeys(user, USER_KEYS).length === 0, 'user settings we do not implement (exec, auth-provider, ...)');

  const conn: Connection = {
    server: (cluster.server as string).replace(/\/$/, ''),
    skipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
    ca: material(baseDir, cluster['certificate-authority'], cluster['certificate-authority-data'], 'certificate-authority'),
    cert: material(baseDir, user['client-certificate'], user['client-certificate-data'], 'client-certificate'),
    key: material(baseDir, user['client-key'], user['client-key-data'], 'client-key'),
  };
  if (cluster['tls-server-name']) {
    fallbackUnless(typeof cluster['tls-server-name'] === 'string', 'tls-server-name is not a string');
    conn.tlsServerName = cluster['tls-server-name'];
  }
  if (user.token) {
    fallbackUnless(typeof user.token === 'string', 'token is not a string');
    conn.token = user.token;
  } else {
    // `token-file` is client-node's spelling, `tokenFile` client-go's (and kubectl's).
    const file = user['token-file'] || user.tokenFile;
    if (file) {
      fallbackUnless(typeof file === 'string', 'tokenFile is not a path');
      conn.tokenFile = new TokenFile(inDir(baseDir, file));
      conn.tokenFile.token(); // read now: a missing file fails the load, as in client-node
    }
  }
  if (user.username) {
    // client-node would send "name:undefined"; not worth imitating here.
    fallbackUnless(typeof user.username === 'string' && typeof user.password === 'string', 'username without a password');
    conn.basic = { username: user.username, password: user.password };
  }
  if (typeof context.namespace === 'string' && context.namespace) conn.namespace = context.namespace;
  if (present(user.as)) {
    fallbackUnless(typeof user.as === 'string', 'as is not a string');
    conn.impersonate = user.as;
  }
  return conn;
}

/**
 * Reads and resolves a kubeconfig file (YAML or JSON). A file that cannot be read throws the fs
 * error (client-node's message too); one that does not parse, or needs what we do not
 * implement, answers undefined.
 */
export async function readKubeconfig(file: string): Promise<Connection | undefined> {
  const text = readFileSync(file, 'utf8');
  let doc: unknown;
  try {
    const { load } = await import('js-yaml');
    doc = load(text);
  } catch {
    return undefined;
  }
  return connectionFromKubeconfig(doc, path.dirname(file));
}
