// The proxy's pure parts: what a pod's netns should hold, and the iptables-restore text for it.
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Pod, Service } from '../kube-types';
import { parseNatState, restoreInput, sepChain, svcChain } from './iptables';
import { podPlan, staleFlows, type ServicePortPlan } from './plan';

const LABELS = { 'service.kubernetes.io/service-proxy-name': 'multus-proxy' };

function svc(name: string, spec: Service['spec'], network = 'mv'): Service {
  return { metadata: { name, namespace: 'ns', uid: `u-${name}`, labels: LABELS, annotations: { 'k8s.v1.cni.cncf.io/service-network': network } }, spec: { selector: { app: 'x' }, ...spec } };
}

const client: Pod = {
  metadata: {
    name: 'client',
    namespace: 'ns',
    annotations: {
      'k8s.v1.cni.cncf.io/network-status': JSON.stringify([
        { name: 'cbr0', interface: 'eth0', ips: ['10.88.0.5'], default: true },
        { name: 'ns/mv', interface: 'net1', ips: ['10.77.0.5', 'fd00:77::5'] },
      ]),
    },
  },
  status: { phase: 'Running' },
};

function slice(service: string, type: 'IPv4' | 'IPv6', eps: [string, boolean | undefined][], port = 8080): EndpointSlice {
  return {
    metadata: { name: `${service}-${type}`, namespace: 'ns', labels: { 'kubernetes.io/service-name': service } },
    addressType: type,
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: eps.map(([ip, ready]) => ({ addresses: [ip], conditions: ready === undefined ? {} : { ready } })),
  };
}

const PORTS = [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }];

describe('podPlan', () => {
  it('routes each cluster IP over the attachment with the pod address of its family; ready endpoints only', () => {
    const s = svc('web', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00:96::10'], ipFamilies: ['IPv4', 'IPv6'], ports: PORTS, sessionAffinity: 'ClientIP' });
    const plan = podPlan(client, [s], [
      slice('web', 'IPv4', [['10.77.0.3', true], ['10.77.0.2', undefined], ['10.77.0.9', false]]),
      slice('web', 'IPv6', [['fd00:77::2', true]]),
      slice('other', 'IPv4', [['10.77.0.7', true]]),
    ]);
    expect(plan.routes).toEqual([
      { family: 4, dst: '10.96.0.10', dev: 'net1', src: '10.77.0.5' },
      { family: 6, dst: 'fd00:96::10', dev: 'net1', src: 'fd00:77::5' },
    ]);
    expect(plan.services).toEqual([
      { name: 'ns/web:http', family: 4, clusterIP: '10.96.0.10', protocol: 'tcp', port: 80, affinitySeconds: 10800, endpoints: [{ ip: '10.77.0.2', port: 8080 }, { ip: '10.77.0.3', port: 8080 }] },
      { name: 'ns/web:http', family: 6, clusterIP: 'fd00:96::10', protocol: 'tcp', port: 80, affinitySeconds: 10800, endpoints: [{ ip: 'fd00:77::2', port: 8080 }] },
    ]);
  });

  it('nothing for headless Services, other networks, unlabelled Services, or a pod not attached', () => {
    const services = [
      svc('hl', { clusterIP: 'None', ports: PORTS }),
      svc('elsewhere', { clusterIP: '10.96.0.11', ports: PORTS }, 'other-net'),
      { ...svc('plain', { clusterIP: '10.96.0.12', ports: PORTS }), metadata: { name: 'plain', namespace: 'ns', annotations: { 'k8s.v1.cni.cncf.io/service-network': 'mv' } } },
      svc('bad', { clusterIP: '10.96.0.13', ports: PORTS }, 'x/y/z'),
    ];
    expect(podPlan(client, services, [])).toEqual({ routes: [], services: [] });
    const lonely: Pod = { metadata: { name: 'p', namespace: 'ns' }, status: { phase: 'Running' } };
    expect(podPlan(lonely, [svc('web', { clusterIP: '10.96.0.10', ports: PORTS })], [])).toEqual({ routes: [], services: [] });
  });

  it('a family the pod has no address of on the network gets nothing; a Service without endpoints keeps its route', () => {
    const v4only: Pod = { ...client, metadata: { ...client.metadata, annotations: { 'k8s.v1.cni.cncf.io/network-status': JSON.stringify([{ name: 'ns/mv', interface: 'net1', ips: ['10.77.0.5'] }]) } } };
    const plan = podPlan(v4only, [svc('web', { clusterIPs: ['fd00:96::10', '10.96.0.10'], ports: PORTS })], []);
    expect(plan.routes.map((r) => r.dst)).toEqual(['10.96.0.10']);
    expect(plan.services.map((s) => [s.clusterIP, s.endpoints.length])).toEqual([['10.96.0.10', 0]]);
  });
});

const SP: ServicePortPlan = { name: 'ns/web:http', family: 4, clusterIP: '10.96.0.10', protocol: 'tcp', port: 80, endpoints: [{ ip: '10.77.0.2', port: 8080 }, { ip: '10.77.0.3', port: 8080 }] };

describe('iptables restore input', () => {
  it('chains, the OUTPUT jump, probabilities 1/n .. 1, DNAT', () => {
    const [svc4, a, b] = [svcChain(SP), sepChain(SP, SP.endpoints[0]!), sepChain(SP, SP.endpoints[1]!)];
    expect(svc4).toMatch(/^MULTUS-SVC-[A-Z2-7]{16}$/);
    expect(restoreInput(4, [SP], { chains: [], jumps: 0 })).toBe(
      [
        '*nat',
        ':MULTUS-SERVICES - [0:0]',
        `:${svc4} - [0:0]`,
        `:${a} - [0:0]`,
        `:${b} - [0:0]`,
        '-I OUTPUT 1 -m comment --comment "multus service portals" -j MULTUS-SERVICES',
        `-A MULTUS-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "ns/web:http cluster IP" -m tcp --dport 80 -j ${svc4}`,
        `-A ${svc4} -m comment --comment "ns/web:http" -m statistic --mode random --probability 0.5000000000 -j ${a}`,
        `-A ${a} -p tcp -m comment --comment "ns/web:http" -m tcp -j DNAT --to-destination 10.77.0.2:8080`,
        `-A ${svc4} -m comment --comment "ns/web:http" -j ${b}`,
        `-A ${b} -p tcp -m comment --comment "ns/web:http" -m tcp -j DNAT --to-destination 10.77.0.3:8080`,
        'COMMIT',
        '',
      ].join('\n'),
    );
    // The other family has nothing to do.
    expect(restoreInput(6, [SP], { chains: [], jumps: 0 })).toBe('');
  });

  it('affinity (recent), IPv6 addresses, stale chains flushed and deleted, the jump kept', () => {
    const sp: ServicePortPlan = { ...SP, family: 6, clusterIP: 'fd00:96::10', affinitySeconds: 60, endpoints: [{ ip: 'fd00:77::2', port: 8080 }] };
    const sep = sepChain(sp, sp.endpoints[0]!);
    const text = restoreInput(6, [sp], { chains: ['MULTUS-SERVICES', 'MULTUS-SEP-OLD'], jumps: 1 });
    expect(text).toContain(':MULTUS-SEP-OLD - [0:0]');
    expect(text).toContain('-X MULTUS-SEP-OLD');
    expect(text).not.toContain('-I OUTPUT');
    expect(text).toContain(`-m recent --name ${sep} --mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff --rsource --rcheck --seconds 60 --reap -j ${sep}`);
    expect(text).toContain(`-A ${sep} -p tcp -m comment --comment "ns/web:http" -m recent --name ${sep} --mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff --rsource --set -m tcp -j DNAT --to-destination [fd00:77::2]:8080`);
    expect(text).toContain('-A MULTUS-SERVICES -d fd00:96::10/128 -p tcp');
  });

  it('nothing wanted: every chain of ours and the jump go; iptables-save is parsed for them', () => {
    const state = parseNatState(
      ['*nat', ':OUTPUT ACCEPT [0:0]', ':MULTUS-SERVICES - [0:0]', ':MULTUS-SVC-X - [0:0]', ':KUBE-SVC-Y - [0:0]', '-A OUTPUT -m comment --comment "multus service portals" -j MULTUS-SERVICES', 'COMMIT'].join('\n'),
    );
    expect(state).toEqual({ chains: ['MULTUS-SERVICES', 'MULTUS-SVC-X'], jumps: 1 });
    expect(restoreInput(4, [], state)).toBe(
      ['*nat', ':MULTUS-SERVICES - [0:0]', ':MULTUS-SVC-X - [0:0]', '-D OUTPUT -m comment --comment "multus service portals" -j MULTUS-SERVICES', '-X MULTUS-SERVICES', '-X MULTUS-SVC-X', 'COMMIT', ''].join('\n'),
    );
    expect(restoreInput(4, [], { chains: [], jumps: 0 })).toBe('');
  });
});

describe('staleFlows (UDP conntrack clean-up)', () => {
  const udp = (eps: string[], vip = '10.96.0.53'): ServicePortPlan => ({ name: 'ns/dns:dns', family: 4, clusterIP: vip, protocol: 'udp', port: 53, endpoints: eps.map((ip) => ({ ip, port: 5353 })) });
  const plan = (...services: ServicePortPlan[]) => ({ routes: [], services });
  const base = { family: 4, proto: 'udp', origDst: '10.96.0.53', origDstPort: 53 };

  it('flows to an endpoint that left; every flow when the Service port goes, or gets its first endpoint', () => {
    expect(staleFlows(plan(udp(['10.77.0.2', '10.77.0.3'])), plan(udp(['10.77.0.2'])))).toEqual([{ ...base, replySrc: '10.77.0.3' }]);
    expect(staleFlows(plan(udp(['10.77.0.2'])), plan())).toEqual([base]);
    expect(staleFlows(plan(udp([])), plan(udp(['10.77.0.2'])))).toEqual([base]);
    expect(staleFlows(plan(), plan(udp(['10.77.0.2'])))).toEqual([base]);
  });

  it('nothing for TCP, nor for an unchanged UDP Service', () => {
    expect(staleFlows(plan(SP), plan())).toEqual([]);
    expect(staleFlows(plan(udp(['10.77.0.2'])), plan(udp(['10.77.0.2'])))).toEqual([]);
  });
});
