// The route-override plugin object. Light on purpose (no zod, no koffi at import): VERSION and
// the about text never load them; each command loads its implementation on first use.
import type { Plugin } from '@cni-ts/cni/skel';

/** The route-override meta plugin (openshift/route-override-cni). */
export const routeOverride: Plugin = {
  type: 'route-override',
  configSchema: async () => (await import('./config')).routeOverrideConfSchema,
  add: async (req) => (await import('./add')).cmdAdd(req),
  check: async (req) => (await import('./check')).cmdCheck(req),
  del: async (req) => (await import('./del')).cmdDel(req),
  gc: async (req) => (await import('./gc')).cmdGc(req),
  status: () => undefined,
};
