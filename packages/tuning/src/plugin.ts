// The tuning plugin object. Light on purpose (no zod, no koffi at import): VERSION and the
// about text never load them; each command loads its implementation on first use.
import type { Plugin } from '@cni-ts/cni/skel';
import { DEFAULT_ALLOWLIST } from './allowlist-path';
import type { TuningOptions } from './validate';

/** A tuning plugin; options exist for tests (a private allow-list file). */
export function createTuning(options: Partial<TuningOptions> = {}): Plugin {
  const opts: TuningOptions = { allowlistFile: options.allowlistFile ?? DEFAULT_ALLOWLIST };
  return {
    type: 'tuning',
    configSchema: async () => (await import('./config')).tuningConfSchema,
    add: async (req) => (await import('./add')).cmdAdd(req, opts),
    check: async (req) => (await import('./check')).cmdCheck(req),
    del: async (req) => (await import('./del')).cmdDel(req),
  };
}

/** The tuning meta plugin (containernetworking/plugins plugins/meta/tuning). */
export const tuning: Plugin = createTuning();
