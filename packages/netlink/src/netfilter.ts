// A NETLINK_NETFILTER socket bound to one namespace, for nf_tables and conntrack; and the same
// operations as module-level functions on the namespace the calling thread is in (inside
// withNetns(ns, fn): ns, with a socket closed when fn ends).
import { currentFrame } from './_frames';
import { NETLINK_NETFILTER } from './codec/nft/constants';
import { withNetns, type Netns } from './netns';
import * as ct from './ops/conntrack';
import * as nft from './ops/nftables';
import { NetlinkSocket, type SocketOptions } from './socket';

function method<A extends unknown[], R>(op: (ctx: nft.NfContext, ...args: A) => R) {
  return function (this: NetfilterHandle, ...args: A): R {
    return op(this, ...args);
  };
}

/**
 * nf_tables and conntrack of one namespace. The socket is opened inside the namespace (switch,
 * socket(), switch back) and stays bound to it, so nothing switches afterwards.
 */
export class NetfilterHandle implements nft.NfContext {
  readonly sock: NetlinkSocket;

  private constructor(sock: NetlinkSocket) {
    this.sock = sock;
  }

  /** Opens a handle on `ns` (a Netns or a path), or on the calling thread's namespace. */
  static open(ns?: Netns | string, opts: SocketOptions = {}): NetfilterHandle {
    const o = { ...opts, protocol: NETLINK_NETFILTER };
    return new NetfilterHandle(ns === undefined ? NetlinkSocket.open(o) : withNetns(ns, () => NetlinkSocket.open(o)));
  }

  close(): void {
    this.sock.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  nftCommit = method(nft.nftCommit);
  nftGenId = method(nft.nftGenId);
  nftListTables = method(nft.nftListTables);
  nftListChains = method(nft.nftListChains);
  nftListRules = method(nft.nftListRules);
  nftFindRules = method(nft.nftFindRules);
  nftListSets = method(nft.nftListSets);
  nftListElements = method(nft.nftListElements);
  conntrackList = method(ct.conntrackList);
  conntrackDelete = method(ct.conntrackDelete);
}

/** Opens a netfilter handle on a namespace (or on the current one). Close it when done. */
export function openNetfilterHandle(ns?: Netns | string, opts?: SocketOptions): NetfilterHandle {
  return NetfilterHandle.open(ns, opts);
}

const KEY = 'netfilter-handle';

/** The netfilter handle of the namespace the calling thread is in now (opened on first use). */
export function defaultNetfilterHandle(): NetfilterHandle {
  const frame = currentFrame();
  let h = frame.cache.get(KEY) as NetfilterHandle | undefined;
  if (!h) {
    h = NetfilterHandle.open();
    frame.cache.set(KEY, h);
  }
  return h;
}

function bind<A extends unknown[], R>(op: (ctx: nft.NfContext, ...args: A) => R) {
  return (...args: A): R => op(defaultNetfilterHandle(), ...args);
}

export const nftCommit = bind(nft.nftCommit);
export const nftGenId = bind(nft.nftGenId);
export const nftListTables = bind(nft.nftListTables);
export const nftListChains = bind(nft.nftListChains);
export const nftListRules = bind(nft.nftListRules);
export const nftFindRules = bind(nft.nftFindRules);
export const nftListSets = bind(nft.nftListSets);
export const nftListElements = bind(nft.nftListElements);
export const conntrackList = bind(ct.conntrackList);
export const conntrackDelete = bind(ct.conntrackDelete);
