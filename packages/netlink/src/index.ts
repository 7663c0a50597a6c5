export { SyscallError, NetlinkError, LinkNotFoundError, isNotFound, isExist, type SyscallErrorOptions } from './errors';
export { errnoName, errnoMessage, errnoNumber } from './errno';
export {
  openNetns,
  currentNetns,
  tempNetns,
  withNetns,
  withNetnsPath,
  sameNetns,
  netnsId,
  warmLibuvPool,
  NetnsNotExistError,
  NetnsNotNsError,
  type Netns,
} from './netns';
export { createNamedNetns, deleteNamedNetns, NETNS_RUN_DIR } from './netns-named';
export { FileLock, withFileLock } from './flock';
export { pageOutFileMappings, readOnlyFileMappings, trimMalloc, type PageOutReport } from './pageout';
export { sysctlGet, sysctlSet, sysctlEnsure, sysctlPath, sysctlKeyToPath } from './sysctl';
export { peerCredentials, type PeerCredentials } from './peercred';
export { firstMessageWithRights, receiveWithRights, whenReadable, type WithRights } from './unix-rights';
export { NetlinkHandle, openHandle } from './handle';
export { NetlinkSocket, type SocketOptions, type OpContext, type BatchMessage } from './socket';
export {
  defaultHandle,
  linkList,
  linkByName,
  linkByIndex,
  findLink,
  linkIndex,
  linkAdd,
  linkDel,
  linkSet,
  linkSetUp,
  linkSetDown,
  linkSetMtu,
  linkSetHardwareAddr,
  linkSetName,
  linkSetAlias,
  linkSetMaster,
  linkSetNoMaster,
  linkSetNsFd,
  linkSetNsPid,
  linkSetPromisc,
  linkSetAllmulti,
  linkSetTxQLen,
  bridgePortSet,
  linkSetHairpin,
  linkSetIsolated,
  linkSetLearning,
  linkSetFlood,
  bridgeVlanAdd,
  bridgeVlanDel,
  bridgeVlanList,
  addrList,
  addrAdd,
  addrReplace,
  addrDel,
  routeList,
  routeAdd,
  routeReplace,
  routeAppend,
  routeDel,
  neighList,
  neighAdd,
  neighSet,
  neighDel,
  ruleList,
  ruleAdd,
  ruleDel,
  qdiscList,
  qdiscAdd,
  qdiscReplace,
  qdiscChange,
  qdiscDel,
  filterList,
  filterAdd,
  filterReplace,
  filterDel,
  tuntapAdd,
  linkDriverInfo,
  sendGratuitousArp,
  sendUnsolicitedNa,
} from './default';
export type { LinkChanges } from './ops/link';
export type { BridgeVlanOptions } from './ops/bridge';
export type {
  Link,
  LinkRef,
  LinkSpec,
  LinkCommon,
  VethSpec,
  VethPeer,
  MacvlanSpec,
  IpvlanSpec,
  BridgeSpec,
  VlanSpec,
  DummySpec,
  IfbSpec,
  VrfSpec,
  GenericLinkSpec,
  NetnsTarget,
  TuntapSpec,
} from './ops/link-types';
export type { Addr, AddrSpec, AddrFamily } from './ops/addr';
export type { Neigh, NeighSpec, NeighState } from './ops/neigh';
export type { Rule, RuleSpec, RuleAction } from './ops/rule';
export type { DriverInfo } from './ops/ethtool';
export type { Route, RouteSpec, RouteFilter, RouteNextHop, RouteNextHopSpec } from './ops/route';
export type { BridgePortData, BridgeVlanInfo } from './codec/bridge';
export type { LinkStats, LinkKindData } from './codec/link';
export type { MacvlanMode, IpvlanMode, IpvlanFlag, MacvlanData, IpvlanData, VlanData, VrfData, BridgeData, TunData } from './codec/link-kinds';
export type { Qdisc, QdiscSpec, QdiscRef, QdiscData, TbfQdiscSpec, IngressQdiscSpec, GenericQdiscSpec } from './ops/qdisc';
export type {
  Filter,
  FilterSpec,
  FilterRef,
  FilterData,
  FilterProtocol,
  U32FilterSpec,
  GenericFilterSpec,
  ActionSpec,
  MirredActionSpec,
  GenericActionSpec,
} from './ops/filter';
export { pschedClock } from './ops/psched';
export { bandwidthTbf, BANDWIDTH_LATENCY_MS, type BandwidthTbf } from './tc-bandwidth';
export { parseHandle, formatHandle, makeHandle, TC_H, type TcHandle, type TcStats } from './codec/tc';
export { tbfBurst, tbfLatency, tbfFromTcArgs, type TbfOptions, type TbfData, type TcTbfArgs } from './codec/qdisc-tbf';
export { parsePsched, DEFAULT_PSCHED, time2tick, tick2time, type PschedClock } from './codec/tc-clock';
export { U32_MATCH_ALL, type U32Sel, type U32Key, type U32Data } from './codec/filter-u32';
export type { TcAction, ActionData } from './codec/action';
export type { TcActName } from './codec/action-gen';
export type { MirredEaction, MirredData } from './codec/action-mirred';
export { parseIP, formatIP, parseCIDR, parseMAC, formatMAC, tryParseIP } from './codec/ip';
export * as codec from './codec/index';
export {
  NetfilterHandle,
  openNetfilterHandle,
  defaultNetfilterHandle,
  nftCommit,
  nftGenId,
  nftListTables,
  nftListChains,
  nftListRules,
  nftFindRules,
  nftListSets,
  nftListElements,
  conntrackList,
  conntrackDelete,
} from './netfilter';
export { NftTransaction, isGenerationChanged, type NftCommand, type NftRuleSpec, type NftRuleRef, type NftTableRef, type NfContext } from './ops/nftables';
export type { ConntrackFilter } from './ops/conntrack';
export type { ConntrackEntry, ConntrackTuple } from './codec/conntrack';
export type { NftTable } from './codec/nft/table';
export type { NftChain, NftChainRef, NftHook, NftChainType } from './codec/nft/chain';
export type { NftRule } from './codec/nft/rule';
export type { Tlv } from './codec/nft/udata';
export type { NftSet, NftSetRef, NftSetFlag } from './codec/nft/set';
export type { NftSetElem, NftElemsTarget } from './codec/nft/setelem';
export type { NftExpr, NftMetaKey, NftCtKey } from './codec/nft/expr';
export type { NftVerdict } from './codec/nft/data';
export type { NftFamily } from './codec/nft/nfgen';
export { NFT_TYPE } from './codec/nft/constants';
export type { NftSetHandle } from './codec/nft/match';
export { exprsEqual as nftExprsEqual, normalizeExprs as nftNormalizeExprs } from './codec/nft/compare';
export * as nftMatch from './codec/nft/match';
export * as nftStmt from './codec/nft/stmt';
export * as nftSets from './codec/nft/sets';
