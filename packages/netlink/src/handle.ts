import { openNetns, withNetns, type Netns } from './netns';
import { sysctlEnsure, sysctlGet, sysctlSet } from './sysctl';
import { NetlinkSocket, type SocketOptions } from './socket';
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

/** Turns `op(ctx, ...args)` into a method `handle.op(...args)`. */
function method<A extends unknown[], R>(op: (ctx: OpsContext, ...args: A) => R) {
  return function (this: NetlinkHandle, ...args: A): R {
    return op(this, ...args);
  };
}

/**
 * A NETLINK_ROUTE socket bound to one namespace. Opened inside the target namespace (switch,
 * socket(), switch back), so every operation on it works on that namespace without switching.
 * The few operations that need the thread inside (tap devices, ethtool) switch briefly themselves.
 */
export class NetlinkHandle implements OpsContext {
  readonly sock: NetlinkSocket;
  /** our own reference to the namespace, or undefined for "where the handle was opened". */
  readonly netns: Netns | undefined;

  private constructor(sock: NetlinkSocket, netns: Netns | undefined) {
    this.sock = sock;
    this.netns = netns;
  }

  /** Opens a handle on `ns` (a Netns or a path), or on the calling thread's namespace. */
  static open(ns?: Netns | string, opts: SocketOptions = {}): NetlinkHandle {
    if (ns === undefined) return new NetlinkHandle(NetlinkSocket.open(opts), undefined);
    // Keep a reference of our own: the caller may close its Netns while the handle lives.
    const own = openNetns(typeof ns === 'string' ? ns : `/proc/self/fd/${ns.fd}`);
    try {
      const path = typeof ns === 'string' ? ns : ns.path;
      const ref: Netns = {
        get fd() {
          return own.fd;
        },
        path,
        close: () => own.close(),
      };
      return new NetlinkHandle(withNetns(own, () => NetlinkSocket.open(opts)), ref);
    } catch (err) {
      own.close();
      throw err;
    }
  }

  inNetns<T>(fn: () => T): T {
    return this.netns ? withNetns(this.netns, fn) : fn();
  }

  close(): void {
    this.sock.close();
    this.netns?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  linkList = method(link.linkList);
  linkByName = method(link.linkByName);
  linkByIndex = method(link.linkByIndex);
  findLink = method(link.findLink);
  linkIndex = method(link.linkIndex);
  linkAdd = method(link.linkAdd);
  linkDel = method(link.linkDel);
  linkSet = method(link.linkSet);
  linkSetUp = method(link.linkSetUp);
  linkSetDown = method(link.linkSetDown);
  linkSetMtu = method(link.linkSetMtu);
  linkSetHardwareAddr = method(link.linkSetHardwareAddr);
  linkSetName = method(link.linkSetName);
  linkSetAlias = method(link.linkSetAlias);
  linkSetMaster = method(link.linkSetMaster);
  linkSetNoMaster = method(link.linkSetNoMaster);
  linkSetNsFd = method(link.linkSetNsFd);
  linkSetNsPid = method(link.linkSetNsPid);
  linkSetPromisc = method(link.linkSetPromisc);
  linkSetAllmulti = method(link.linkSetAllmulti);
  linkSetTxQLen = method(link.linkSetTxQLen);

  bridgePortSet = method(bridge.bridgePortSet);
  linkSetHairpin = method(bridge.linkSetHairpin);
  linkSetIsolated = method(bridge.linkSetIsolated);
  linkSetLearning = method(bridge.linkSetLearning);
  linkSetFlood = method(bridge.linkSetFlood);
  bridgeVlanAdd = method(bridge.bridgeVlanAdd);
  bridgeVlanDel = method(bridge.bridgeVlanDel);
  bridgeVlanList = method(bridge.bridgeVlanList);

  addrList = method(addr.addrList);
  addrAdd = method(addr.addrAdd);
  addrReplace = method(addr.addrReplace);
  addrDel = method(addr.addrDel);

  routeList = method(route.routeList);
  routeAdd = method(route.routeAdd);
  routeReplace = method(route.routeReplace);
  routeAppend = method(route.routeAppend);
  routeDel = method(route.routeDel);

  neighList = method(neigh.neighList);
  neighAdd = method(neigh.neighAdd);
  neighSet = method(neigh.neighSet);
  neighDel = method(neigh.neighDel);

  ruleList = method(rule.ruleList);
  ruleAdd = method(rule.ruleAdd);
  ruleDel = method(rule.ruleDel);

  qdiscList = method(qdisc.qdiscList);
  qdiscAdd = method(qdisc.qdiscAdd);
  qdiscReplace = method(qdisc.qdiscReplace);
  qdiscChange = method(qdisc.qdiscChange);
  qdiscDel = method(qdisc.qdiscDel);
  filterList = method(filter.filterList);
  filterAdd = method(filter.filterAdd);
  filterReplace = method(filter.filterReplace);
  filterDel = method(filter.filterDel);

  tuntapAdd = method(tuntap.tuntapAdd);
  linkDriverInfo = method(ethtool.linkDriverInfo);
  sendGratuitousArp = method(garp.sendGratuitousArp);
  sendUnsolicitedNa = method(garp.sendUnsolicitedNa);

  /** sysctls of this handle's namespace (the calling thread switches there for the read/write) */
  sysctlGet = method((ctx: OpsContext, key: string): string => ctx.inNetns(() => sysctlGet(key)));
  sysctlSet = method((ctx: OpsContext, key: string, value: string | number): void => ctx.inNetns(() => sysctlSet(key, value)));
  sysctlEnsure = method((ctx: OpsContext, key: string, value: string | number): boolean => ctx.inNetns(() => sysctlEnsure(key, value)));
}

/** Opens a netlink handle on a namespace (or on the current one). Close it when done. */
export function openHandle(ns?: Netns | string, opts?: SocketOptions): NetlinkHandle {
  return NetlinkHandle.open(ns, opts);
}
