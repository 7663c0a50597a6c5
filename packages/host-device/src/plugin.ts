import { lazyPlugin } from '@cni-ts/plugin-kit/lazy-plugin';

// Commands are imported on demand: VERSION and the about text load neither zod nor koffi.

/** The host-device plugin. */
export const hostDevice = lazyPlugin('host-device', {
  config: () => import('./config'),
  add: () => import('./add'),
  del: () => import('./del'),
  check: () => import('./check'),
  status: () => import('./status'),
});
