export { default as macvlan } from './plugin';
export { configSchema, jsonSchema, decodeConf, loadConf, parseMode, MODES, type NetConf, type LoadedConf } from './config';
