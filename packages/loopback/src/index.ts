export { loopback } from './plugin';
export { loopbackConfigSchema, loopbackJsonSchema, type LoopbackConf } from './config';
