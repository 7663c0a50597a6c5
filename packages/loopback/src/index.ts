export { default as loopback } from './plugin';
export { configSchema, jsonSchema, loadConf, type LoopbackConf } from './config';
