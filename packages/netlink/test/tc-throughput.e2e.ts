// Throughput through the shaping the bandwidth plugin sets up, built with this library: a TBF on
// the host veth (traffic towards the container) and, the other way, the host veth's ingress
// redirected to an IFB with a TBF. A bounded TCP transfer between two throwaway namespaces
// (testkit's transfer: Node sender and receiver inside the test's namespaces) measures the rate.
import { describe, expect, it } from 'vitest';
import { checkLeaks, expectRate, testEnv, transfer, type TestNetns } from '@cni-ts/testkit';
import { bandwidthTbf, openHandle, openNetns, pschedClock } from '../src/index';

/**
 * container `tp1` 10.66.9.2 <-> host `tp0` 10.66.9.1 (the shaped veth) and host `tc0` 10.66.10.1
 * <-> client `tc1` 10.66.10.2; the host forwards between them. Traffic towards the container
 * comes from the client, as a pod's traffic comes from elsewhere: a TBF on the sender's own host
 * would push back into its TCP stack (local drops shrink the window) and measure TCP, not the TBF.
 */
function topology() {
  const env = testEnv();
  const client = env.extra('client');
  const h = openHandle(env.host.path);
  const legs: [TestNetns, string, string, string, string][] = [
    [env.container, 'tp0', 'tp1', '10.66.9.1', '10.66.9.2'],
    [client, 'tc0', 'tc1', '10.66.10.1', '10.66.10.2'],
  ];
  for (const [peerNs, hostEnd, peerEnd, hostIp, peerIp] of legs) {
    const ns = openNetns(peerNs.path);
    try {
      h.linkAdd({ kind: 'veth', name: hostEnd, up: true, peer: { name: peerEnd, netns: ns } });
    } finally {
      ns.close();
    }
    h.addrAdd(hostEnd, `${hostIp}/24`);
    const c = openHandle(peerNs.path);
    try {
      c.linkSetUp(peerEnd);
      c.addrAdd(peerEnd, `${peerIp}/24`);
      c.routeAdd({ dst: 'default', gateway: hostIp });
    } finally {
      c.close();
    }
  }
  h.sysctlSet('net/ipv4/ip_forward', 1);
  return { env, client, h };
}

describe('shaped throughput', () => {
  checkLeaks();

  it('a TBF of 8 Mbit/s on the host veth limits traffic towards the container to 8 Mbit/s ±20 %', async () => {
    const { env, client, h } = topology();
    try {
      // unshaped first: the same transfer is far faster, so the measurement below measures the TBF
      const free = await transfer(client, env.container, '10.66.9.2', 1_000_000);
      expect(free).toBeGreaterThan(5_000_000);
      const t = bandwidthTbf(8_000_000, 1_000_000, pschedClock());
      h.qdiscAdd({ kind: 'tbf', link: 'tp0', handle: '1:', rate: t.rate, buffer: t.buffer, limit: t.limit });
      await expectRate(1_000_000, () => transfer(client, env.container, '10.66.9.2', 1_325_000, t.burstBytes));
    } finally {
      h.close();
    }
  });

  it('the IFB path (ingress qdisc, u32 match-all, mirred redirect, TBF on the IFB) limits traffic from the container to 16 Mbit/s ±20 %', async () => {
    const { env, client, h } = topology();
    try {
      const t = bandwidthTbf(16_000_000, 2_000_000, pschedClock());
      h.linkAdd({ kind: 'ifb', name: 'tpifb', mtu: 1500, txqlen: 0, up: true });
      h.qdiscAdd({ kind: 'ingress', link: 'tp0' });
      h.filterAdd({ kind: 'u32', link: 'tp0', parent: 'ffff:', priority: 1, classid: '1:1', actions: [{ kind: 'mirred', dev: 'tpifb' }] });
      h.qdiscAdd({ kind: 'tbf', link: 'tpifb', handle: '1:', rate: t.rate, buffer: t.buffer, limit: t.limit });
      await expectRate(2_000_000, () => transfer(env.container, client, '10.66.10.2', 2_650_000, t.burstBytes));
      expect(h.qdiscList('tpifb')[0]!.stats!.bytes).toBeGreaterThan(2_650_000n);
    } finally {
      h.close();
    }
  });
});
