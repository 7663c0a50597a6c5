export { routeOverride } from './plugin';
export {
  routeOverrideConfSchema,
  routeOverrideArgsSchema,
  routeOverrideJsonSchema,
  routeSchema,
  loadConf,
  DEFAULT_DATA_DIR,
  DATA_DIR_ENV,
  type RouteOverrideConf,
  type RouteConf,
} from './config';
export { netKey, type NetKey } from './net';
