export { bridge } from './plugin';
export { netConfSchema, vlanTrunkSchema, loadNetConf, decodeNetConf, jsonSchema, type BridgeConf, type NetConfInput } from './config';
export { collectVlanTrunk, TrunkError, type TrunkEntry } from './vlan-trunk';
export { calcGateways, type GatewayInfo } from './gateways';
export { SpoofChecker } from './spoofcheck';
