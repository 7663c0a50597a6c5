// @cni-ts/plugin-kit: what the main plugins share beyond the protocol (containernetworking's
// plugins/pkg/ip, pkg/ipam.ConfigureIface, pkg/ns.TempNetNS), plus the rollback stack every
// ADD uses. Everything that touches the kernel is synchronous and works on the current netns:
// call it inside withNetns.

export { Rollback, withRollback, ErrorCollector, TeardownError, type UndoFn } from './rollback';
export { configureIface, type ConfigureIfaceOptions } from './configure-iface';
export { allocateAddresses } from './ipam';
export { settleAddresses } from './settle';
export { routeAddEcmp, scopeName, type EcmpRoute } from './route';
export { validateExpectedInterfaceIPs, validateExpectedRoute } from './validate';
export { defaultRouteInterface } from './default-route';
export { NoSuchLinkError, randomVethName, renameLink, delLinkByName, delLinkByNameAddr, delLinkIfExists } from './link';
export { enableAddressNotify, setAcceptDad, disableAcceptRa, enableForwarding } from './sysctls';
export { openContainerNetns, isNetnsGone, inMasterNetns, withContainer } from './netns';
export { prevResultOf, containerInterface, prevAttachment } from './prev-result';
export { canonicalMac } from './mac';
export { errText, wrapErr, goQ, pathError, pathErrorText } from './errors';
export { ipConfigText, routeText } from './goformat';
export { familyOf, splitCIDR, networkOf, isDefaultDst, isGlobalUnicast } from './ip';
export { setupVeth, vethPeerIndex, type VethEnd, type SetupVethOptions } from './veth';
export * from './firewall';
export { createChildLink, type ChildLinkOptions } from './child-link';
export { delChildLink } from './del-child-link';
export { enumFromString } from './enum';
export { containerLink, checkContainerMac } from './container-link';
