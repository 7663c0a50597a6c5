export { default as bandwidth } from './plugin';
export { configSchema, jsonSchema, loadConf } from './config';
