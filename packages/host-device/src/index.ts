export { default as hostDevice, findHostDevice } from './plugin';
export { configSchema, jsonSchema, decodeConf, loadConf, type NetConf, type LoadedConf } from './config';
export { moveLinkIn, moveLinkOut } from './move';
export { SYS_BUS_PCI, SYS_BUS_AUXILIARY, USERSPACE_DRIVERS } from './sysfs';
