// Where requests go and with which credentials, as our kubeconfig reader and the in-cluster
// configuration resolve it, and how it becomes node:https options. The rules are
// client-node's applyToHTTPSOptions: TLS material goes into one agent per client (made at the
// first request, files read then); plain http is allowed only with insecure-skip-tls-verify;
// a bearer token wins over basic auth.
import { readFileSync } from 'node:fs';
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
  /** insecure-skip-tls-verify: true. Also what permits a plain http:// server. */
  skipTLSVerify: boolean;
  /** tls-server-name: the name the server certificate is checked against (and SNI). */
  tlsServerName?: string;
  token?: string;
  /** A token re-read when its file changes (kubeconfig token-file, in-cluster token). */
  tokenFile?: TokenFile;
  basic?: { username: string; password: string };
  /** as: the Impersonate-User header. */
  impersonate?: string;
  /** The current context's namespace (in-cluster: the service account's namespace file). */
  namespace?: string;
}

const bytes = (m: Material | undefined): Buffer | undefined => (!m ? undefined : 'file' in m ? readFileSync(m.file) : Buffer.from(m.data, 'base64'));

/** One client's request options: its agent (made once) and its auth headers (each request). */
export class ConnectionOptions {
  readonly conn: Connection;
  readonly #keepAlive: boolean;
  #agent: HttpAgent | import('node:http').Agent | undefined;

  /** keepAlive: reuse connections across requests (a plugin that makes several in one command). */
  constructor(conn: Connection, keepAlive = false) {
    this.conn = conn;
    this.#keepAlive = keepAlive;
  }

  async apply(opts: RequestOptions): Promise<void> {
    const { conn } = this;
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string>) };
    if (conn.impersonate !== undefined) headers['Impersonate-User'] = conn.impersonate;
    const token = conn.token ?? conn.tokenFile?.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (conn.basic) headers.Authorization = `Basic ${Buffer.from(`${conn.basic.username}:${conn.basic.password}`).toString('base64')}`;
    opts.headers = headers;
    opts.agent = this.#agent ??= await this.#makeAgent();
  }

  async #makeAgent(): Promise<HttpAgent | import('node:http').Agent> {
    const { conn } = this;
    if (conn.server.startsWith('http:')) {
      if (!conn.skipTLSVerify) throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
      const { Agent } = await import('node:http');
      return new Agent({ keepAlive: this.#keepAlive });
    }
    const { Agent } = await import('node:https');
    return new Agent({
      keepAlive: this.#keepAlive,
      ca: bytes(conn.ca),
      cert: bytes(conn.cert),
      key: bytes(conn.key),
      servername: conn.tlsServerName,
      // Unset unless skipping: node's default (NODE_TLS_REJECT_UNAUTHORIZED) applies, as in client-node.
      ...(conn.skipTLSVerify ? { rejectUnauthorized: false } : {}),
    });
  }
}
