export { default as portmap } from './plugin';
export { configSchema, jsonSchema, loadConf, type PortMapConf } from './config';
export { dnatChain, dnatChainName } from './iptables';
export { forwardTransaction } from './nftables';
