export { default as bridge } from './plugin';
export { configSchema, vlanTrunkSchema, loadNetConf, decodeConf, jsonSchema, type BridgeConf, type NetConfInput } from './config';
export { collectVlanTrunk, TrunkError, type TrunkEntry } from './vlan-trunk';
export { calcGateways, type GatewayInfo } from './gateways';
export { SpoofChecker } from './spoofcheck';
