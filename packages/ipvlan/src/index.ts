export { ipvlan } from './plugin';
export { jsonSchema, netConfSchema, decodeNetConf, ConfigError, type NetConf } from './config';
export { loadConf, type LoadedConf } from './load';
export { cmdAdd } from './add';
export { cmdDel } from './del';
export { cmdCheck } from './check';
export { cmdStatus } from './status';
