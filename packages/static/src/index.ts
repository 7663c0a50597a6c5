export { staticIpam } from './plugin';
export { jsonSchema, ipamSchema, netConfSchema, loadStaticConfig, ConfigError, type StaticConfig, type StaticAddress } from './config';
export { cmdAdd, cmdCheck, loadRequest, type StaticRequest } from './commands';
export { buildResult, checkAgainst, type StaticResult } from './result';
