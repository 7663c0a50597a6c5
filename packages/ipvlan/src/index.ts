export { default as ipvlan } from './plugin';
export { configSchema, jsonSchema, decodeConf, loadConf, parseMode, parseFlag, type NetConf, type LoadedConf } from './config';
