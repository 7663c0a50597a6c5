import type { Result } from '@cni-ts/cni';
import type { Plugin } from '@cni-ts/cni/skel';

// Light: the command modules (zod, net/rpc) load on demand, VERSION loads neither.

/** The dhcp IPAM plugin: every command is a call to the `dhcp daemon`. */
export const dhcp: Plugin = {
  type: 'dhcp',
  configSchema: async () => (await import('./config')).netConfSchema,
  add: async (req) => (await (await import('./commands')).cmdAdd(req)) as Result,
  del: async (req) => (await import('./commands')).cmdDel(req),
  check: async (req) => (await import('./commands')).cmdCheck(req),
  gc: async (req) => (await import('./commands')).cmdGc(req),
  status: async (req) => (await import('./commands')).cmdStatus(req),
};

export default dhcp;
