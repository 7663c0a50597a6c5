// A Plugin whose commands live in modules imported on demand, so VERSION and the about text
// load neither zod nor koffi. Only type imports at the top level: keep it that way.
import type { Result } from '@cni-ts/cni';
import type { CniRequest, MaybePromise, Plugin } from '@cni-ts/cni/skel';
import type { ZodType } from 'zod';

type Cmd<K extends string, R> = Record<K, (req: CniRequest) => MaybePromise<R>>;

/** Loaders of a plugin's modules (each a dynamic import in the plugin's own package). */
export interface LazyPluginModules {
  config: () => Promise<{ netConfSchema: ZodType }>;
  add: () => Promise<Cmd<'cmdAdd', unknown>>;
  del: () => Promise<Cmd<'cmdDel', void>>;
  check: () => Promise<Cmd<'cmdCheck', void>>;
  status: () => Promise<Cmd<'cmdStatus', void>>;
}

/** Config decoding failures keep upstream's code (999) and text; details name the field. */
async function typed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const { CniError, ErrCode } = await import('@cni-ts/cni');
    const { ConfigError } = await import('./config-error');
    if (err instanceof ConfigError) throw new CniError(ErrCode.internal, err.message, err.field, { cause: err });
    throw err;
  }
}

/** The plugin `type` with ADD, DEL, CHECK and STATUS from the modules `load` imports. */
export function lazyPlugin(type: string, load: LazyPluginModules): Plugin {
  return {
    type,
    configSchema: async () => (await load.config()).netConfSchema,
    add: (req) => typed(async () => (await (await load.add()).cmdAdd(req)) as Result),
    del: (req) => typed(async () => (await load.del()).cmdDel(req)),
    check: (req) => typed(async () => (await load.check()).cmdCheck(req)),
    status: (req) => typed(async () => (await load.status()).cmdStatus(req)),
  };
}
