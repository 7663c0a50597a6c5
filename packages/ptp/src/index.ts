export { default as ptp } from './plugin';
export { configSchema, jsonSchema, loadConf } from './config';
