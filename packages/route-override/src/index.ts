export { default as routeOverride, gatewayFor, gatewaysOf, resolveTargets, targetNames } from './plugin';
export {
  configSchema,
  routeOverrideArgsSchema,
  jsonSchema,
  routeSchema,
  loadConf,
  DEFAULT_DATA_DIR,
  DATA_DIR_ENV,
  type RouteOverrideConf,
  type RouteConf,
} from './config';
export { netKey, type NetKey } from './net';
