export { default as staticIpam, buildResult, checkAgainst, type StaticResult } from './plugin';
export { configSchema, ipamSchema, jsonSchema, loadStaticConfig, type StaticConfig, type StaticAddress } from './config';
