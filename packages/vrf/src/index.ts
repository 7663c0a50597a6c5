export { default as vrf } from './plugin';
export { configSchema, jsonSchema, loadConf } from './config';
