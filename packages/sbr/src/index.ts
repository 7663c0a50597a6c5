export { default as sbr } from './plugin';
export { configSchema, jsonSchema, loadConf } from './config';
