import type { Result } from '@cni-ts/cni';
import type { CniRequest, Plugin } from '@cni-ts/cni/skel';
import type { IpamRequest } from './request';

// Command modules are imported on demand: VERSION and the about text load neither zod nor koffi.

function ipamRequest(req: CniRequest): IpamRequest {
  return { containerId: req.containerId, ifname: req.ifname, loadArgs: (spec) => req.args.load(spec), config: req.config };
}

/** Our typed failures become CNI errors: upstream's code and text, the offending field as details. */
async function typed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const { CniError, ErrCode } = await import('@cni-ts/cni/skel');
    const { ConfigError } = await import('./config');
    const { UnavailableError } = await import('./status');
    if (err instanceof ConfigError) throw new CniError(ErrCode.internal, err.message, err.field, { cause: err });
    if (err instanceof UnavailableError) throw new CniError(ErrCode.pluginNotAvailable, err.message, '', { cause: err });
    throw err;
  }
}

/** The host-local IPAM plugin. */
export const hostLocal: Plugin = {
  type: 'host-local',
  configSchema: async () => (await import('./config')).netConfSchema,
  add: (req) => typed(async () => (await (await import('./add')).cmdAdd(ipamRequest(req))) as Result),
  del: (req) => typed(async () => (await import('./del')).cmdDel(ipamRequest(req))),
  check: (req) => typed(async () => (await import('./check')).cmdCheck(ipamRequest(req))),
  gc: (req) => typed(async () => void (await (await import('./gc')).cmdGc(ipamRequest(req)))),
  status: (req) => typed(async () => (await import('./status')).cmdStatus(ipamRequest(req))),
};
