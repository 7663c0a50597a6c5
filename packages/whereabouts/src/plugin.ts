import type { Result } from '@cni-ts/cni';
import type { CniRequest, Plugin } from '@cni-ts/cni/skel';
import type { IpamRequest } from './ipam';

// Command modules are imported on demand: VERSION and the about text load neither zod nor the
// API client; the etcd or Kubernetes store is loaded only by the command that uses it.

function ipamRequest(req: CniRequest): IpamRequest {
  return { containerId: req.containerId, ifname: req.ifname, config: req.config, args: (spec) => req.args.load(spec), env: req.env, log: req.log };
}

/** Our typed failures become CNI errors: whereabouts' code (999) and text, the offending field as details. */
async function typed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const { CniError, ErrCode } = await import('@cni-ts/cni/skel');
    const { ConfigError } = await import('./config');
    if (err instanceof ConfigError) throw new CniError(ErrCode.internal, err.message, err.field, { cause: err });
    throw err;
  }
}

/** The whereabouts IPAM plugin (ADD, DEL, CHECK, GC). */
export const whereabouts: Plugin = {
  type: 'whereabouts',
  configSchema: async () => (await import('./config')).netConfSchema,
  add: (req) => typed(async () => (await (await import('./ipam')).cmdAdd(ipamRequest(req))) as Result),
  del: (req) => typed(async () => (await import('./ipam')).cmdDel(ipamRequest(req))),
  check: (req) => typed(async () => (await import('./ipam')).cmdCheck(ipamRequest(req))),
  gc: (req) => typed(async () => void (await (await import('./ipam')).cmdGc(ipamRequest(req)))),
};

export default whereabouts;
