export { default as dummy } from './plugin';
export { configSchema, jsonSchema, loadConf } from './config';
