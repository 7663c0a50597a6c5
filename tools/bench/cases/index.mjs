// The bench cases, in table order. A case is {id, root, runs?, setup?, plans, teardown?}:
// `plans(ctx, state)` returns, per implementation, the steps one iteration runs; each step names
// the table row it is measured under and the jobs it starts at once. Add a row by adding a case
// (or a step); implementations without the plugin are left out of that row automatically. A job's
// stdin may be a function of the outputs of the iteration's earlier steps (row -> stdouts), e.g.
// to pass ADD's result to CHECK as prevResult.
import chain, { podman } from './chain.mjs';
import * as hostLocal from './host-local.mjs';
import loopback from './loopback.mjs';
import * as mainIpam from './main-ipam.mjs';
import * as meta from './meta.mjs';
import * as multus from './multus.mjs';
import version from './version.mjs';
import vrf from './vrf.mjs';

export const cases = [version, loopback, hostLocal.sequential, hostLocal.parallel, mainIpam.macvlan, mainIpam.bridge, mainIpam.ptp, mainIpam.tap, mainIpam.vlan, mainIpam.dummy, meta.bandwidth, meta.sbr, vrf, chain, podman, multus.one, multus.two, multus.four];
