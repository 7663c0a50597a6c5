// Firewall helpers (new in plugin-kit for bridge; ptp and portmap need the same): the iptables
// and nft command lines as upstream's Go libraries drive them, and ipMasq on top.
export { setupIPMasqForNetworks, teardownIPMasqForNetworks, defaultIPMasqBackend, type MasqTarget } from './ipmasq';
export { hashForInstance, commentForInstance } from './ipmasq-nftables';
export { Iptables, IptablesError, supportsIptables, splitRuleLine } from './iptables';
export { Nft, NftError, supportsNftables, rulesOf, type NftRule, type NftObject } from './nft';
export { formatChainName, formatComment, formatHashWithPrefix, hashForNetwork } from './chain-name';
export { lookPath, runTool, runToolAsync, type ToolEnv, type ToolResult } from './exec-tool';
export { IptablesBatch, IptablesBatchError, RestoreScript, SavedTable, quoteArg, ruleKey, targetOf } from './iptables-batch';
