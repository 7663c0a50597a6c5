import type { Result } from '@cni-ts/cni';
import type { CniRequest, Plugin } from '@cni-ts/cni/skel';

// Commands are imported on demand: VERSION and the about text load neither zod nor koffi.

/** Config decoding failures keep upstream's code (999) and text; details name the field. */
async function typed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const { CniError, ErrCode } = await import('@cni-ts/cni');
    const { ConfigError } = await import('./config');
    if (err instanceof ConfigError) throw new CniError(ErrCode.internal, err.message, err.field, { cause: err });
    throw err;
  }
}

/** The host-device plugin. */
export const hostDevice: Plugin = {
  type: 'host-device',
  configSchema: async () => (await import('./config')).netConfSchema,
  add: (req: CniRequest) => typed(async () => (await (await import('./add')).cmdAdd(req)) as Result),
  del: (req: CniRequest) => typed(async () => (await import('./del')).cmdDel(req)),
  check: (req: CniRequest) => typed(async () => (await import('./check')).cmdCheck(req)),
  status: (req: CniRequest) => typed(async () => (await import('./status')).cmdStatus(req)),
};
