// The plugin side: each command is one net/rpc call to the daemon, as upstream's main.go.

import { resolve } from 'node:path';
import type { Result100 } from '@cni-ts/cni';
import { CniError, type CniRequest, ErrCode } from '@cni-ts/cni/skel';
import { loadNetConf } from './config';
import { RpcClient, RpcServerError } from './rpc';
import { CMD_ARGS_T, cmdArgsToGob, resultFromGob } from './wire';

/** The socket the config names (upstream's getSocketPath, with its error texts). */
function socketPath(req: CniRequest): string {
  try {
    return loadNetConf(req.config).socketPath;
  } catch (err) {
    throw new Error(`error obtaining socketPath: error parsing socket path conf: ${(err as Error).message}`, { cause: err });
  }
}

async function dial(path: string): Promise<RpcClient> {
  try {
    return await RpcClient.dial(path);
  } catch (err) {
    throw new Error(`error dialing DHCP daemon: ${(err as Error).message}`, { cause: err });
  }
}

/** upstream's rpcCall: dial, make the netns path absolute (the daemon may run elsewhere), call. */
async function rpcCall(req: CniRequest, method: string): Promise<unknown> {
  const path = socketPath(req);
  const client = await dial(path);
  try {
    const args = cmdArgsToGob({
      containerId: req.containerId,
      netns: resolve(req.netns),
      ifname: req.ifname,
      args: req.args.raw,
      path: req.pathEnv,
      netnsOverride: req.netnsOverride,
      stdin: req.stdin,
    });
    return await client.call(method, CMD_ARGS_T, args);
  } catch (err) {
    throw new Error(`error calling ${method}: ${(err as Error).message}`, { cause: err });
  } finally {
    client.close();
  }
}

export async function cmdAdd(req: CniRequest): Promise<Result100> {
  const reply = await rpcCall(req, 'DHCP.Allocate');
  return resultFromGob(reply as never, '1.1.0');
}

export async function cmdDel(req: CniRequest): Promise<void> {
  await rpcCall(req, 'DHCP.Release');
}

export async function cmdCheck(req: CniRequest): Promise<void> {
  await rpcCall(req, 'DHCP.Allocate');
}

/**
 * GC: the daemon releases this network's leases of attachments the runtime no longer knows.
 * A daemon without GC (the Go one) has nothing to collect: success.
 */
export async function cmdGc(req: CniRequest): Promise<void> {
  try {
    await rpcCall(req, 'DHCP.GC');
  } catch (err) {
    const cause = (err as Error).cause;
    if (cause instanceof RpcServerError && cause.message.startsWith("rpc: can't find method ")) return;
    throw err;
  }
}

/** STATUS: the daemon is there and speaks net/rpc (upstream has no STATUS). */
export async function cmdStatus(req: CniRequest): Promise<void> {
  let path: string;
  try {
    path = socketPath(req);
  } catch (err) {
    throw new CniError(ErrCode.pluginNotAvailable, (err as Error).message, '', { cause: err });
  }
  try {
    (await RpcClient.dial(path)).close();
  } catch (err) {
    throw new CniError(ErrCode.pluginNotAvailable, `error dialing DHCP daemon: ${(err as Error).message}`, '', { cause: err });
  }
}

