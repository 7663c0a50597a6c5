// Where requests go and with which credentials, as our kubeconfig reader and the in-cluster
// configuration resolve it, and how it becomes node:http(s) options. client-go's rules: a plain
// http:// server is used as it is (TLS settings ignored), TLS material goes into one agent
// per client, a token file's token wins over an inline one once readable, impersonation
// headers as rest.Config's. Client certificates given as files are watched (a stat per
// request): a rotated certificate (the per-node certificate manager writes a new one) gets a
// new agent, as client-go's dynamic client certificate does.
import { readFileSync, statSync } from 'node:fs';
import type { Agent as HttpAgent, RequestOptions } from 'node:https';
import type { TokenFile } from './token-file';

/** A PEM (or DER) item: a file read when the first request is made, or base64 data. */
export type Material = { file: string } | { data: string };

export interface Connection {
  /** Base URL, trailing slash dropped; a path prefix is kept. */
  server: string;
  ca?: Material;
  cert?: Material;
  key?: Material;
  /** insecure-skip-tls-verify: true. */
  skipTLSVerify: boolean;
  /** tls-server-name: the name the server certificate is checked against (and SNI). */
  tlsServerName?: string;
  token?: string;
  /** A token re-read when its file changes (kubeconfig tokenFile, in-cluster token); wins over `token` once readable. */
  tokenFile?: TokenFile;
  basic?: { username: string; password: string };
  /** as: the Impersonate-User header; as-groups, as-uid, as-user-extra. */
  impersonate?: string;
  impersonateGroups?: string[];
  impersonateUid?: string;
  impersonateExtra?: Record<string, string[]>;
  /** The current context's namespace (in-cluster: the service account's namespace file). */
  namespace?: string;
}

const bytes = (m: Material | undefined): Buffer | undefined => (!m ? undefined : 'file' in m ? readFileSync(m.file) : Buffer.from(m.data, 'base64'));

/** What identifies the current content of the client certificate and key files ('' for data). */
function certStamp(conn: Connection): string {
  const parts: string[] = [];
  for (const m of [conn.cert, conn.key]) {
    if (!m || !('file' in m)) continue;
    try {
      const st = statSync(m.file);
      parts.push(`${st.ino}:${st.size}:${st.mtimeMs}`);
    } catch {
      parts.push('-');
    }
  }
  return parts.join('/');
}

export interface ConnectionTuning {
  /** Reuse connections across requests (default false: a plugin exec makes a few requests). */
  keepAlive?: boolean;
  /** Sockets per host for a keep-alive agent (default Infinity, as node). */
  maxSockets?: number;
}

/** One client's request options: its agent (remade when a client certificate file changes) and its auth headers. */
export class ConnectionOptions {
  readonly conn: Connection;
  readonly #tuning: ConnectionTuning;
  #agent: HttpAgent | import('node:http').Agent | undefined;
  #stamp = '';

  constructor(conn: Connection, tuning: ConnectionTuning | boolean = {}) {
    this.conn = conn;
    this.#tuning = typeof tuning === 'boolean' ? { keepAlive: tuning } : tuning;
  }

  /** The bearer token: the token file's when it can be read (client-go's refresh), else the inline one. */
  #token(): string | undefined {
    const { conn } = this;
    if (conn.tokenFile) {
      try {
        return conn.tokenFile.token();
      } catch (err) {
        if (conn.token === undefined) throw err;
      }
    }
    return conn.token;
  }

  async apply(opts: RequestOptions): Promise<void> {
    const { conn } = this;
    const headers: Record<string, string | string[]> = { ...(opts.headers as Record<string, string>) };
    if (conn.impersonate !== undefined) headers['Impersonate-User'] = conn.impersonate;
    if (conn.impersonateGroups?.length) headers['Impersonate-Group'] = conn.impersonateGroups;
    if (conn.impersonateUid) headers['Impersonate-Uid'] = conn.impersonateUid;
    for (const [k, v] of Object.entries(conn.impersonateExtra ?? {})) headers[`Impersonate-Extra-${encodeURIComponent(k)}`] = v;
    const token = this.#token();
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (conn.basic) headers.Authorization = `Basic ${Buffer.from(`${conn.basic.username}:${conn.basic.password}`).toString('base64')}`;
    opts.headers = headers;
    const stamp = certStamp(conn);
    if (!this.#agent || stamp !== this.#stamp) {
      this.#agent?.destroy();
      this.#agent = await this.#makeAgent();
      this.#stamp = stamp;
    }
    opts.agent = this.#agent;
  }

  /** Closes kept-alive sockets (a daemon that stops). */
  close(): void {
    this.#agent?.destroy();
    this.#agent = undefined;
  }

  async #makeAgent(): Promise<HttpAgent | import('node:http').Agent> {
    const { conn } = this;
    const common = { keepAlive: this.#tuning.keepAlive ?? false, ...(this.#tuning.maxSockets ? { maxSockets: this.#tuning.maxSockets } : {}) };
    if (conn.server.startsWith('http:')) {
      const { Agent } = await import('node:http');
      return new Agent(common);
    }
    const { Agent } = await import('node:https');
    return new Agent({
      ...common,
      ca: bytes(conn.ca),
      cert: bytes(conn.cert),
      key: bytes(conn.key),
      servername: conn.tlsServerName,
      // Unset unless skipping: node's default (NODE_TLS_REJECT_UNAUTHORIZED) applies.
      ...(conn.skipTLSVerify ? { rejectUnauthorized: false } : {}),
    });
  }
}
