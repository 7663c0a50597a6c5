// The loopback plugin object: light on purpose (no zod, no koffi) so that VERSION and the
// about text never load them; each command loads its implementation on first use.
import type { Plugin } from '@cni-ts/cni/skel';

export const loopback: Plugin = {
  type: 'loopback',
  configSchema: async () => (await import('./config')).loopbackConfigSchema,
  add: async (req) => (await import('./add')).cmdAdd(req),
  del: async (req) => (await import('./del')).cmdDel(req),
  check: async (req) => (await import('./check')).cmdCheck(req),
};
