// multus-shim: the CNI plugin the runtime execs in thick mode. It forwards the call (its
// environment and config) to the daemon and prints what the daemon answers. ADD, CHECK, GC and
// STATUS wait (100 ms poll, 60 s) for the daemon to be ready, which also covers a socket that
// does not exist yet; DEL asks /healthz once and, unlike upstream, reports its failure.
import { CniError, ErrCode, goJsonParse, type CniRequest, type Plugin } from '@cni-ts/cni';
import path from 'node:path';
import { DEFAULT_SOCKET_DIR, encodeRequest, SOCKET_NAME } from './api';
import { callDaemon } from './client';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ShimOptions {
  readyPollMs: number;
  readyTimeoutMs: number;
}

export const DEFAULT_SHIM_OPTIONS: ShimOptions = { readyPollMs: 100, readyTimeoutMs: 60_000 };

const CMD_NAME: Record<string, string> = { ADD: 'CmdAdd', DEL: 'CmdDel', CHECK: 'CmdCheck', GC: 'CmdGC', STATUS: 'CmdStatus' };

export function shimSocket(config: Record<string, unknown>): string {
  const dir = typeof config.daemonSocketDir === 'string' && config.daemonSocketDir ? config.daemonSocketDir : DEFAULT_SOCKET_DIR;
  return path.join(dir, SOCKET_NAME);
}

async function waitReady(socket: string, o: ShimOptions): Promise<void> {
  const deadline = Date.now() + o.readyTimeoutMs;
  let last = '';
  for (;;) {
    try {
      const r = await callDaemon(socket, 'GET', '/readyz', undefined, 5000);
      if (r.status === 200) return;
      last = `status ${r.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= deadline) throw new Error(`failed waiting for the multus daemon to be ready: ${last}`);
    await sleep(o.readyPollMs);
  }
}

/** A non-200 answer: the daemon's CNI error as is, or upstream's text around the body. */
function failure(status: number, body: string, stdin: Uint8Array): CniError {
  try {
    const e = JSON.parse(body) as { code?: unknown; msg?: unknown; details?: unknown };
    if (e && typeof e.code === 'number' && typeof e.msg === 'string') return new CniError(e.code, e.msg, typeof e.details === 'string' ? e.details : '');
  } catch {
    // not a CNI error: wrapped below
  }
  return new CniError(ErrCode.internal, `CNI request failed with status ${status}: '${body}': StdinData: ${Buffer.from(stdin).toString('utf8')}`);
}

async function forward(req: CniRequest, o: ShimOptions): Promise<unknown> {
  const socket = shimSocket(req.config);
  const name = CMD_NAME[req.command] ?? req.command;
  try {
    if (req.command === 'DEL') {
      const h = await callDaemon(socket, 'GET', '/healthz', undefined, 5000);
      if (h.status !== 200) throw new Error(`multus daemon is not healthy (status ${h.status})`);
    } else await waitReady(socket, o);
  } catch (err) {
    throw new CniError(ErrCode.tryAgainLater, `${name} (shim): ${(err as Error).message}`);
  }
  let reply;
  try {
    reply = await callDaemon(socket, 'POST', '/cni', encodeRequest(req.env, req.stdin));
  } catch (err) {
    throw new CniError(ErrCode.tryAgainLater, `${name} (shim): failed to send CNI request: Post "http://dummy/cni": ${(err as Error).message}`);
  }
  if (reply.status !== 200) throw failure(reply.status, reply.body, req.stdin);
  if (req.command !== 'ADD') return undefined;
  let parsed: { Result?: unknown };
  try {
    parsed = goJsonParse(reply.body) as { Result?: unknown };
  } catch (err) {
    throw new CniError(ErrCode.decodingFailure, `${name} (shim): failed to decode the daemon's answer: ${(err as Error).message}`);
  }
  return parsed?.Result;
}

export function createShim(options: Partial<ShimOptions> = {}): Plugin {
  const o = { ...DEFAULT_SHIM_OPTIONS, ...options };
  return {
    type: 'multus-shim',
    add: async (req) => (await forward(req, o)) as never,
    del: async (req) => void (await forward(req, o)),
    check: async (req) => void (await forward(req, o)),
    gc: async (req) => void (await forward(req, o)),
    status: async (req) => void (await forward(req, o)),
  };
}

export const shim: Plugin = createShim();
