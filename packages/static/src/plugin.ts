import type { Result } from '@cni-ts/cni';
import type { CniRequest, Plugin } from '@cni-ts/cni/skel';
import type { StaticRequest } from './commands';

// The command module is imported on demand: VERSION and the about text do not load zod.

function staticRequest(req: CniRequest): StaticRequest {
  return { ifname: req.ifname, loadArgs: (spec) => req.args.load(spec), config: req.config };
}

/** Configuration errors keep upstream's code (999) and text, and name the field in details. */
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

/** The static IPAM plugin. */
export const staticIpam: Plugin = {
  type: 'static',
  configSchema: async () => (await import('./config')).netConfSchema,
  add: (req) => typed(async () => (await import('./commands')).cmdAdd(staticRequest(req)) as Result),
  // Nothing was allocated, so there is nothing to release (the skeleton still validated stdin).
  del: () => undefined,
  check: (req) => typed(async () => (await import('./commands')).cmdCheck({ ...staticRequest(req), cniVersion: req.cniVersion })),
  gc: () => undefined,
  status: () => undefined,
};
