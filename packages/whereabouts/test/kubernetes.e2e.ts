// whereabouts on the Kubernetes API, against the stand-in API server (strict about
// resourceVersions, create-if-absent and JSON Patch tests as the real one): concurrency from
// several nodes, compatibility of the objects with whereabouts' own, exhaustion, DEL, CHECK, GC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../e2e/src/k8s-stub/index';
import { podObject } from '../../../e2e/src/k8s-stub/index';
import { cmdAdd, cmdCheck, cmdDel, cmdGc, type IpamDeps, type IpamRequest } from '../src/ipam';
import { runNodes } from './nodes';
import { NO_FLAT_FILE, NS, podArgs, whereaboutsStub, type WaStub } from './stub';

let wa: WaStub;
beforeAll(async () => {
  wa = await whereaboutsStub();
});
afterAll(() => wa.close());

const deps: IpamDeps = { loadOptions: NO_FLAT_FILE, timeoutMs: 20_000 };
const req = (config: unknown, pod: string, containerId = `ctr-${pod}`, ifname = 'net1', ns = 'default'): IpamRequest => ({
  containerId,
  ifname,
  config,
  args: podArgs(ns, pod),
  env: { NODENAME: 'node-a' },
});
const pool = (name: string) => wa.stub.get('ippools.whereabouts.cni.cncf.io', NS, name);
const orips = () => wa.stub.list('overlappingrangeipreservations.whereabouts.cni.cncf.io', NS);
const addrs = (r: { ips: { address: string }[] }) => r.ips.map((i) => i.address);

describe('64 concurrent ADDs from 4 nodes (separate processes)', () => {
  it('64 addresses, all distinct, no error; the 65th is whereabouts exhaustion error', async () => {
    // 64 addresses: the first 64 of a /25 (a /26 has 62 usable: whereabouts never hands out
    // the network and broadcast addresses).
    const config = wa.conf({ range: '10.77.0.1-10.77.0.64/25', network_name: 'sixtyfour' });
    const started = Date.now();
    const results = await runNodes(4, 16, { command: 'ADD', config, podNamespace: 'default', flatFiles: NO_FLAT_FILE.flatFiles });
    const elapsed = Date.now() - started;
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const ips = results.flatMap((r) => r.ips!);
    expect(ips).toHaveLength(64);
    expect(new Set(ips).size).toBe(64);
    const stored = pool('sixtyfour-10.77.0.0-25')!;
    expect(Object.keys((stored.spec as { allocations: object }).allocations)).toHaveLength(64);
    expect(orips().filter((o) => o.metadata!.name!.startsWith('sixtyfour-'))).toHaveLength(64);
    const writes = wa.stub.calls('PATCH', /\/ippools\//);
    const ms = results.map((r) => r.ms).toSorted((a, b) => a - b);
    console.log(`per ADD: median ${ms[32]!.toFixed(0)} ms, max ${ms[63]!.toFixed(0)} ms`);
    console.log(`64 ADDs in ${elapsed} ms; pool writes ${writes.length} (${writes.filter((w) => w.status !== 200).length} lost races), reservations created ${wa.stub.calls('POST', /overlappingrangeipreservations$/).filter((r) => r.status === 201).length}`);

    await expect(cmdAdd(req(config, 'one-too-many'), deps)).rejects.toThrow(
      'error at storage engine: Could not allocate IP in range: ip: 10.77.0.1 / - 10.77.0.64 / range: 10.77.0.0/25 / excludeRanges: []',
    );
    // Everything back: DEL from the same 4 nodes.
    const dels = await runNodes(4, 16, { command: 'DEL', config, podNamespace: 'default', flatFiles: NO_FLAT_FILE.flatFiles });
    expect(dels.filter((r) => !r.ok)).toEqual([]);
    expect((pool('sixtyfour-10.77.0.0-25')!.spec as { allocations: object }).allocations).toEqual({});
    expect(orips().filter((o) => o.metadata!.name!.startsWith('sixtyfour-'))).toEqual([]);
  });
});

describe('sharing pools with whereabouts', () => {
  it("a pool pre-filled with whereabouts' own objects is honoured; ours read back as whereabouts writes them", async () => {
    // Exactly what whereabouts v0.9 writes (client-go's JSON of its types).
    wa.stub.put('ippools.whereabouts.cni.cncf.io', {
      apiVersion: 'whereabouts.cni.cncf.io/v1alpha1',
      kind: 'IPPool',
      metadata: { name: '192.168.2.0-24', namespace: NS },
      spec: {
        range: '192.168.2.0/24',
        allocations: {
          '1': { id: 'c0ffee01', podref: 'default/old-1', ifname: 'net1' },
          '2': { id: 'c0ffee02', podref: 'default/old-2' },
        },
      },
    });
    // .3 is held cluster-wide through another (overlapping) pool.
    wa.stub.put('overlappingrangeipreservations.whereabouts.cni.cncf.io', {
      apiVersion: 'whereabouts.cni.cncf.io/v1alpha1',
      kind: 'OverlappingRangeIPReservation',
      metadata: { name: '192.168.2.3', namespace: NS },
      spec: { podref: 'other/elsewhere', ifname: 'net1' },
    });
    const config = wa.conf({ range: '192.168.2.0/24', gateway: '192.168.2.254' });
    const r = await cmdAdd(req(config, 'netshoot'), deps);
    expect(r.ips).toEqual([{ address: '192.168.2.4/24', gateway: '192.168.2.254' }]);
    const p = pool('192.168.2.0-24')!;
    expect(p.spec).toEqual({
      range: '192.168.2.0/24',
      allocations: {
        '1': { id: 'c0ffee01', podref: 'default/old-1', ifname: 'net1' },
        '2': { id: 'c0ffee02', podref: 'default/old-2' },
        '4': { id: 'ctr-netshoot', podref: 'default/netshoot', ifname: 'net1' },
      },
    });
    const o = wa.stub.get('overlappingrangeipreservations.whereabouts.cni.cncf.io', NS, '192.168.2.4')!;
    expect({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata!.name, spec: o.spec }).toEqual({
      apiVersion: 'whereabouts.cni.cncf.io/v1alpha1',
      kind: 'OverlappingRangeIPReservation',
      name: '192.168.2.4',
      spec: { podref: 'default/netshoot', ifname: 'net1' },
    });
    // A pool we create is whereabouts' too: POST {metadata: {name}, spec: {range, allocations: {}}}.
    await cmdAdd(req(wa.conf({ range: 'fd00:77::/120', network_name: 'v6' }), 'six'), deps);
    const created = wa.stub.calls('POST', /\/ippools$/).at(-1)!;
    expect(created.body).toEqual({ apiVersion: 'whereabouts.cni.cncf.io/v1alpha1', kind: 'IPPool', metadata: { name: 'v6-fd00-77---120' }, spec: { range: 'fd00:77::/120', allocations: {} } });
    expect((pool('v6-fd00-77---120')!.spec as { allocations: object }).allocations).toEqual({ '1': { id: 'ctr-six', podref: 'default/six', ifname: 'net1' } });
    expect(wa.stub.get('overlappingrangeipreservations.whereabouts.cni.cncf.io', NS, 'v6-fd00-77--1')?.spec).toEqual({ podref: 'default/six', ifname: 'net1' });
    // An ADD for the same pod and interface returns the same address, with the new container id.
    const again = await cmdAdd(req(config, 'netshoot', 'ctr-netshoot-2'), deps);
    expect(addrs(again)).toEqual(['192.168.2.4/24']);
    expect((pool('192.168.2.0-24')!.spec as { allocations: Record<string, unknown> }).allocations['4']).toEqual({ id: 'ctr-netshoot-2', podref: 'default/netshoot', ifname: 'net1' });
  });

  it('a whereabouts writer taking the same address between our read and our write: no duplicate', async () => {
    const config = wa.conf({ range: '10.55.0.0/28', enable_overlapping_ranges: false });
    await cmdAdd(req(config, 'first'), deps);
    // Just before our pool write, "whereabouts" (resourceVersion-guarded, as it patches) adds .2.
    wa.stub.fault({
      method: 'PATCH',
      path: /\/ippools\/10\.55\.0\.0-28$/,
      times: 1,
      before: (st) =>
        st.mutate('ippools.whereabouts.cni.cncf.io', NS, '10.55.0.0-28', (o) => {
          (o.spec as { allocations: Record<string, unknown> }).allocations['2'] = { id: 'theirs', podref: 'default/theirs', ifname: 'net1' };
        }),
    });
    const r = await cmdAdd(req(config, 'second'), deps);
    // Having lost .2, the next candidate is drawn from the lowest free ones (.3, .4).
    expect(['10.55.0.3/28', '10.55.0.4/28']).toContain(addrs(r)[0]);
    const allocations = (pool('10.55.0.0-28')!.spec as { allocations: Record<string, { id: string }> }).allocations;
    const mine = addrs(r)[0]!.split('/')[0]!.split('.')[3]!;
    expect(Object.fromEntries(Object.entries(allocations).map(([k, v]) => [k, v.id]))).toEqual({ '1': 'ctr-first', '2': 'theirs', [mine]: 'ctr-second' });
  });
});

describe('overlapping ranges', () => {
  it('one pod, two interfaces, two overlapping ranges: two addresses (upstream can give both the same)', async () => {
    const a = await cmdAdd(req(wa.conf({ range: '10.57.0.0/24' }), 'twice', 'ctr-twice', 'net1'), deps);
    const b = await cmdAdd(req(wa.conf({ range: '10.57.0.0/16' }), 'twice', 'ctr-twice', 'net2'), deps);
    expect(addrs(a)).toEqual(['10.57.0.1/24']);
    expect(addrs(b)).toEqual(['10.57.0.2/16']);
  });
});

describe('DEL, CHECK, GC', () => {
  it('DEL by container id and interface releases every range (also when the first holds nothing)', async () => {
    const config = wa.conf({ ipRanges: [{ range: '10.66.0.0/24' }, { range: 'fd00:66::/64' }] });
    const r = await cmdAdd(req(config, 'dual'), deps);
    expect(addrs(r)).toEqual(['10.66.0.1/24', 'fd00:66::1/64']);
    await cmdCheck(req(config, 'dual'), deps);
    // Someone released the IPv4 address already: the IPv6 one is still released.
    wa.stub.mutate('ippools.whereabouts.cni.cncf.io', NS, '10.66.0.0-24', (o) => void ((o.spec as { allocations: object }).allocations = {}));
    wa.stub.delete('overlappingrangeipreservations.whereabouts.cni.cncf.io', NS, '10.66.0.1');
    await cmdDel(req(config, 'dual'), deps);
    expect((pool('fd00-66---64')!.spec as { allocations: object }).allocations).toEqual({});
    expect(orips().map((o) => o.metadata!.name)).not.toContain('fd00-66--1');
    await expect(cmdCheck(req(config, 'dual'), deps)).rejects.toThrow('whereabouts: no address in 10.66.0.0/24 for container ctr-dual interface net1 (pod default/dual)');
    // DEL again: nothing to do, no error.
    await cmdDel(req(config, 'dual'), deps);
  });

  it("DEL keeps another pod's reservation of the address (upstream deletes it by name)", async () => {
    const config = wa.conf({ range: '10.67.0.0/24' });
    await cmdAdd(req(config, 'a'), deps);
    wa.stub.mutate('overlappingrangeipreservations.whereabouts.cni.cncf.io', NS, '10.67.0.1', (o) => void (o.spec = { podref: 'default/b', ifname: 'net1' }));
    await cmdDel(req(config, 'a'), deps);
    expect(wa.stub.get('overlappingrangeipreservations.whereabouts.cni.cncf.io', NS, '10.67.0.1')?.spec).toEqual({ podref: 'default/b', ifname: 'net1' });
  });

  it('a failure mid-ADD releases what this ADD reserved', async () => {
    const config = wa.conf({ ipRanges: [{ range: '10.68.0.0/24' }, { range: '10.69.0.0/30' }] });
    await cmdAdd(req(config, 'fill'), deps);
    await cmdAdd(req(config, 'fill2'), deps);
    await expect(cmdAdd(req(config, 'third'), deps)).rejects.toThrow(/Could not allocate IP in range: ip: 10\.69\.0\.1/);
    const v4 = (pool('10.68.0.0-24')!.spec as { allocations: Record<string, { podref: string }> }).allocations;
    expect(Object.values(v4).map((a) => a.podref)).toEqual(['default/fill', 'default/fill2']);
    expect(wa.stub.get('overlappingrangeipreservations.whereabouts.cni.cncf.io', NS, '10.68.0.3')).toBeUndefined();
  });

  it('GC releases what this node no longer lists (and what belongs to no pod), never another node\'s', async () => {
    const config = wa.conf({ range: '10.70.0.0/24' });
    wa.stub.put('pods', podObject({ namespace: 'default', name: 'here-live', nodeName: 'node-a' }));
    wa.stub.put('pods', podObject({ namespace: 'default', name: 'here-stale', nodeName: 'node-a' }));
    wa.stub.put('pods', podObject({ namespace: 'default', name: 'there', nodeName: 'node-b' }));
    for (const p of ['here-live', 'here-stale', 'there', 'gone']) await cmdAdd(req(config, p), deps);
    const gc = { ...config, cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: 'ctr-here-live', ifname: 'net1' }] };
    const released = await cmdGc({ containerId: '', ifname: '', config: gc, env: { NODENAME: 'node-a' } }, deps);
    expect(released.toSorted()).toEqual(['10.70.0.2', '10.70.0.4']);
    const left = (pool('10.70.0.0-24')!.spec as { allocations: Record<string, { podref: string }> }).allocations;
    expect(Object.values(left).map((a) => a.podref)).toEqual(['default/here-live', 'default/there']);
  });
});

describe('least privilege', () => {
  it('the verbs the plugin used are those rbac.yaml grants (recorded by the stand-in)', async () => {
    const { load } = await import('js-yaml');
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const { DEPLOY } = await import('./stub');
    const docs = (String(readFileSync(path.join(DEPLOY, 'rbac.yaml'), 'utf8')).split(/^---$/m).map((d) => load(d)) as KubeObject[]).filter(Boolean);
    const role = docs.find((d) => d.kind === 'ClusterRole' && d.metadata?.name === 'whereabouts-cni')!;
    const granted = new Set<string>();
    for (const rule of role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]) {
      for (const g of rule.apiGroups) for (const res of rule.resources) for (const v of rule.verbs) granted.add(`${v} ${g ? `${res}.${g}` : res}`);
    }
    const used = wa.stub.verbs().filter((v) => !v.includes('namespaces'));
    expect(used.toSorted()).toEqual([...granted].toSorted());
  });
});
