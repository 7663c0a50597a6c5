// The three result shapes of the spec. Addresses are Go-canonical strings (see ip.ts).
// Plugins build Result100 values (cniVersion "1.1.0"); the skeleton converts to the version
// the config asked for, as Go's types.PrintResult does.

/** DNS of results and of configs (types.DNS). */
export interface DNS {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** types.Route; mtu/advmss/priority/table/scope are 1.1.0 additions that Go keeps in every version. */
export interface Route {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

/** 1.0.0/1.1.0 interface; mtu, socketPath and pciID are 1.1.0 additions. */
export interface Interface100 {
  name: string;
  mac?: string;
  mtu?: number;
  sandbox?: string;
  socketPath?: string;
  pciID?: string;
}

export interface IPConfig100 {
  /** index into interfaces; 0 is kept, absent when the address belongs to no listed interface. */
  interface?: number;
  address: string;
  gateway?: string;
}

/** Result of spec 1.0.0 and 1.1.0 (pkg/types/100). */
export interface Result100 {
  cniVersion: string;
  interfaces?: Interface100[];
  ips?: IPConfig100[];
  routes?: Route[];
  dns?: DNS;
}

export interface Interface040 {
  name: string;
  mac?: string;
  sandbox?: string;
}

export interface IPConfig040 {
  /** "4" or "6" (removed in 1.0.0). */
  version: string;
  interface?: number;
  address: string;
  gateway?: string;
}

/** Result of spec 0.3.0, 0.3.1 and 0.4.0 (pkg/types/040). */
export interface Result040 {
  cniVersion: string;
  interfaces?: Interface040[];
  ips?: IPConfig040[];
  routes?: Route[];
  dns?: DNS;
}

export interface IPConfig020 {
  ip: string;
  gateway?: string;
  routes?: Route[];
}

/** Result of spec 0.1.0 and 0.2.0 (pkg/types/020). */
export interface Result020 {
  cniVersion: string;
  ip4?: IPConfig020;
  ip6?: IPConfig020;
  dns?: DNS;
}

/** Any result; which shape it has follows from its cniVersion (see resultFamily). */
export type Result = Result100 | Result040 | Result020;
