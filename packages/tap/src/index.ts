export { default as tap } from './plugin';
export { configSchema, jsonSchema, loadConf } from './config';
