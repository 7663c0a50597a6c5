import { lazyPlugin } from '@cni-ts/plugin-kit/lazy-plugin';

// Commands are imported on demand: VERSION and the about text load neither zod nor koffi.

/** The macvlan plugin. */
export const macvlan = lazyPlugin('macvlan', {
  config: () => import('./config'),
  add: () => import('./add'),
  del: () => import('./del'),
  check: () => import('./check'),
  status: () => import('./status'),
});
