import type { Plugin } from '@cni-ts/cni/skel';

// Command modules load on demand: VERSION and the about text need neither zod nor netlink.

/** The bridge plugin. */
export const bridge: Plugin = {
  type: 'bridge',
  configSchema: async () => (await import('./config')).netConfSchema,
  add: async (req) => (await import('./add')).cmdAdd(req),
  del: async (req) => (await import('./del')).cmdDel(req),
  check: async (req) => (await import('./check')).cmdCheck(req),
  // STATUS: the network is ready when its IPAM is (upstream: IPAM STATUS when configured).
  status: async (req) => (await import('./status')).cmdStatus(req),
};
