import { currentFrame } from './_frames';
import { NetlinkHandle } from './handle';
import type { OpsContext } from './ops/_ctx';
import * as addr from './ops/addr';
import * as bridge from './ops/bridge';
import * as ethtool from './ops/ethtool';
import * as garp from './ops/garp';
import * as link from './ops/link';
import * as filter from './ops/filter';
import * as neigh from './ops/neigh';
import * as qdisc from './ops/qdisc';
import * as route from './ops/route';
import * as rule from './ops/rule';
import * as tuntap from './ops/tuntap';

const KEY = 'netlink-handle';

/**
 * The handle of the namespace the calling thread is in now: inside withNetns(ns, fn) that is ns
 * (a socket opened on first use and closed when fn ends), outside it the process's own.
 */
export function defaultHandle(): NetlinkHandle {
  const frame = currentFrame();
  let h = frame.cache.get(KEY) as NetlinkHandle | undefined;
  if (!h) {
    h = NetlinkHandle.open();
    frame.cache.set(KEY, h);
  }
  return h;
}

function bind<A extends unknown[], R>(op: (ctx: OpsContext, ...args: A) => R) {
  return (...args: A): R => op(defaultHandle(), ...args);
}

export const linkList = bind(link.linkList);
export const linkByName = bind(link.linkByName);
export const linkByIndex = bind(link.linkByIndex);
export const findLink = bind(link.findLink);
export const linkIndex = bind(link.linkIndex);
export const linkAdd = bind(link.linkAdd);
export const linkDel = bind(link.linkDel);
export const linkSet = bind(link.linkSet);
export const linkSetUp = bind(link.linkSetUp);
export const linkSetDown = bind(link.linkSetDown);
export const linkSetMtu = bind(link.linkSetMtu);
export const linkSetHardwareAddr = bind(link.linkSetHardwareAddr);
export const linkSetName = bind(link.linkSetName);
export const linkSetAlias = bind(link.linkSetAlias);
export const linkSetMaster = bind(link.linkSetMaster);
export const linkSetNoMaster = bind(link.linkSetNoMaster);
export const linkSetNsFd = bind(link.linkSetNsFd);
export const linkSetNsPid = bind(link.linkSetNsPid);
export const linkSetPromisc = bind(link.linkSetPromisc);
export const linkSetAllmulti = bind(link.linkSetAllmulti);
export const linkSetTxQLen = bind(link.linkSetTxQLen);

export const bridgePortSet = bind(bridge.bridgePortSet);
export const linkSetHairpin = bind(bridge.linkSetHairpin);
export const linkSetIsolated = bind(bridge.linkSetIsolated);
export const linkSetLearning = bind(bridge.linkSetLearning);
export const linkSetFlood = bind(bridge.linkSetFlood);
export const bridgeVlanAdd = bind(bridge.bridgeVlanAdd);
export const bridgeVlanDel = bind(bridge.bridgeVlanDel);
export const bridgeVlanList = bind(bridge.bridgeVlanList);

export const addrList = bind(addr.addrList);
export const addrAdd = bind(addr.addrAdd);
export const addrReplace = bind(addr.addrReplace);
export const addrDel = bind(addr.addrDel);

export const routeList = bind(route.routeList);
export const routeAdd = bind(route.routeAdd);
export const routeReplace = bind(route.routeReplace);
export const routeAppend = bind(route.routeAppend);
export const routeDel = bind(route.routeDel);

export const neighList = bind(neigh.neighList);
export const neighAdd = bind(neigh.neighAdd);
export const neighSet = bind(neigh.neighSet);
export const neighDel = bind(neigh.neighDel);

export const ruleList = bind(rule.ruleList);
export const ruleAdd = bind(rule.ruleAdd);
export const ruleDel = bind(rule.ruleDel);

export const qdiscList = bind(qdisc.qdiscList);
export const qdiscAdd = bind(qdisc.qdiscAdd);
export const qdiscReplace = bind(qdisc.qdiscReplace);
export const qdiscChange = bind(qdisc.qdiscChange);
export const qdiscDel = bind(qdisc.qdiscDel);
export const filterList = bind(filter.filterList);
export const filterAdd = bind(filter.filterAdd);
export const filterReplace = bind(filter.filterReplace);
export const filterDel = bind(filter.filterDel);

export const tuntapAdd = bind(tuntap.tuntapAdd);
export const linkDriverInfo = bind(ethtool.linkDriverInfo);
export const sendGratuitousArp = bind(garp.sendGratuitousArp);
export const sendUnsolicitedNa = bind(garp.sendUnsolicitedNa);

