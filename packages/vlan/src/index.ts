export { default as vlan } from './plugin';
export { configSchema, jsonSchema, loadConf } from './config';
