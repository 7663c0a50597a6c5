// The shim ↔ daemon wire format (upstream pkg/server/api): a POST of the shim's whole
// environment plus the CNI config (a Go []byte, so base64 in JSON); ADD answers
// {"Result": <1.0.0 result>}, other commands an empty body, failures HTTP 400 with a CNI
// error object.
export const SOCKET_NAME = 'multus.sock';
export const DEFAULT_SOCKET_DIR = '/run/multus/';

export interface InterfaceAttributes {
  ips?: string[];
  mac?: string;
  'cni-args'?: Record<string, unknown>;
}

export interface ApiRequest {
  env: Record<string, string>;
  /** The CNI config bytes, base64 (Go's encoding of []byte). */
  config: string;
  interfaceAttributes?: InterfaceAttributes;
}

/** os.Environ() split at the first '=' (what the shim sends). */
export function envMap(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

export function encodeRequest(env: Readonly<Record<string, string | undefined>>, config: Uint8Array, attrs?: InterfaceAttributes): string {
  const body: ApiRequest = { env: envMap(env), config: Buffer.from(config).toString('base64') };
  if (attrs) body.interfaceAttributes = attrs;
  return JSON.stringify(body);
}

export class RequestError extends Error {}

/** The body of a /cni or /delegate POST, checked for shape. */
export function decodeRequest(body: string): { env: Record<string, string>; config: Uint8Array; interfaceAttributes?: InterfaceAttributes } {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (err) {
    throw new RequestError(`could not decode the request body: ${(err as Error).message}`);
  }
  const r = raw as Partial<ApiRequest> | null;
  if (!r || typeof r !== 'object' || typeof r.env !== 'object' || r.env === null) throw new RequestError('could not decode the request body: missing env');
  for (const v of Object.values(r.env)) if (typeof v !== 'string') throw new RequestError('could not decode the request body: env values must be strings');
  if (r.config !== undefined && r.config !== null && typeof r.config !== 'string') throw new RequestError('could not decode the request body: config must be base64');
  const config = Buffer.from(r.config ?? '', 'base64');
  return { env: r.env, config, ...(r.interfaceAttributes ? { interfaceAttributes: r.interfaceAttributes } : {}) };
}

/**
 * The server's CNI_ARGS parse: split on ';' then '=', exactly two parts each (else
 * `invalid CNI_ARG`), K8S_POD_NAMESPACE and K8S_POD_NAME required.
 */
export function parseStrictCniArgs(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of args.split(';')) {
    const kv = item.split('=');
    if (kv.length !== 2) throw new RequestError(`invalid CNI_ARG '${item}'`);
    out[kv[0]!.trim()] = kv[1]!.trim();
  }
  if (!out.K8S_POD_NAMESPACE) throw new RequestError('required CNI_ARG K8S_POD_NAMESPACE is missing');
  if (!out.K8S_POD_NAME) throw new RequestError('required CNI_ARG K8S_POD_NAME is missing');
  return out;
}

/** The commands' environment checks (extractCniData). */
export function checkEnv(env: Record<string, string>): string {
  const cmd = env.CNI_COMMAND;
  if (!cmd) throw new RequestError('unexpected or missing CNI_COMMAND');
  if (cmd === 'STATUS' || cmd === 'GC') return cmd;
  for (const key of ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_ARGS']) {
    if (env[key] === undefined || (key !== 'CNI_NETNS' && env[key] === '') || (key === 'CNI_NETNS' && cmd !== 'DEL' && env[key] === '')) {
      throw new RequestError(`missing ${key}`);
    }
  }
  parseStrictCniArgs(env.CNI_ARGS!);
  return cmd;
}
