// The stand-in API server: the behaviours clients rely on, answered as the real server answers.
import { request } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { certificateRequest } from '@cni-ts/kube';
import { testCA } from '@cni-ts/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podObject, startStub, startStubProcess, type K8sStub, type KubeObject } from './index';

let stub: K8sStub;
beforeAll(async () => {
  stub = await startStub();
});
afterAll(() => stub.close());

async function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: KubeObject & Record<string, any> }> {
  const res = await fetch(`${stub.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as KubeObject & Record<string, any> };
}

/** Reads watch events until `n` arrived or the stream ended. */
function watch(path: string, n: number, url = stub.url): Promise<{ type: string; object: KubeObject & Record<string, any> }[]> {
  return new Promise((resolve, reject) => {
    const events: { type: string; object: KubeObject }[] = [];
    const req = request(`${url}${path}`, (res) => {
      let buf = '';
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
          if (events.length === n) {
            req.destroy();
            resolve(events as never);
          }
        }
      });
      res.on('end', () => resolve(events as never));
    });
    req.on('error', (e) => (events.length >= n ? undefined : reject(e)));
    req.end();
  });
}

const IPPOOL_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'ippools.whereabouts.cni.cncf.io' },
  spec: {
    group: 'whereabouts.cni.cncf.io',
    names: { kind: 'IPPool', plural: 'ippools', singular: 'ippool', listKind: 'IPPoolList' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                required: ['allocations', 'range'],
                properties: {
                  range: { type: 'string' },
                  allocations: {
                    type: 'object',
                    additionalProperties: { type: 'object', required: ['id', 'podref'], properties: { id: { type: 'string' }, podref: { type: 'string' }, ifname: { type: 'string' } } },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
};
const POOLS = '/apis/whereabouts.cni.cncf.io/v1alpha1/namespaces/kube-system/ippools';
const pool = (name: string, allocations: Record<string, unknown> = {}) => ({ apiVersion: 'whereabouts.cni.cncf.io/v1alpha1', kind: 'IPPool', metadata: { name }, spec: { range: '10.0.0.0/24', allocations } });

describe('the API the tests already use', () => {
  it('put, get, list, mutate by short name', () => {
    const p = stub.put('pods', podObject({ namespace: 'old', name: 'p1' }));
    expect(p.metadata?.resourceVersion).toMatch(/^\d+$/);
    stub.put('nads', { metadata: { name: 'n1', namespace: 'old' }, spec: {} });
    expect(stub.get('nads', 'old', 'n1')?.kind).toBe('NetworkAttachmentDefinition');
    stub.mutate('pods', 'old', 'p1', (o) => void (o.metadata!.labels = { a: 'b' }));
    expect(Number(stub.get('pods', 'old', 'p1')?.metadata?.resourceVersion)).toBeGreaterThan(Number(p.metadata?.resourceVersion));
    expect(stub.list('pods', 'old').map((o) => o.metadata?.name)).toEqual(['p1']);
    // Seeding a namespaced object implies its namespace.
    expect(stub.get('namespaces', undefined, 'old')).toBeDefined();
  });
});

describe('custom resources', () => {
  it('a CRD posted to the server is served, and its schema prunes and validates', async () => {
    expect((await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', IPPOOL_CRD)).status).toBe(201);
    await call('POST', '/api/v1/namespaces', { metadata: { name: 'kube-system' } });
    const created = await call('POST', POOLS, { ...pool('10.0.0.0-24'), spec: { ...pool('x').spec, extra: 1 }, bogus: true });
    expect(created.status).toBe(201);
    expect(created.json.spec).toEqual({ range: '10.0.0.0/24', allocations: {} });
    expect(created.json.bogus).toBeUndefined();
    const bad = await call('POST', POOLS, { ...pool('bad'), spec: { range: '10.0.0.0/24', allocations: { '1': { id: 'c' } } } });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toBe('IPPool.whereabouts.cni.cncf.io "bad" is invalid: spec.allocations.1.podref: Required value');
  });

  it('create of an existing name is 409 AlreadyExists', async () => {
    const again = await call('POST', POOLS, pool('10.0.0.0-24'));
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ reason: 'AlreadyExists', message: 'ippools.whereabouts.cni.cncf.io "10.0.0.0-24" already exists', details: { name: '10.0.0.0-24', group: 'whereabouts.cni.cncf.io', kind: 'ippools' } });
  });

  it('an invalid name is 422, a missing namespace 404', async () => {
    expect((await call('POST', POOLS, pool('Bad_Name'))).status).toBe(422);
    const r = await call('POST', POOLS.replace('kube-system', 'nowhere'), pool('x'));
    expect(r.status).toBe(404);
    expect(r.json.message).toBe('namespaces "nowhere" not found');
  });

  it('update: a stale resourceVersion is 409 Conflict, none at all is 422 for custom resources', async () => {
    const cur = (await call('GET', `${POOLS}/10.0.0.0-24`)).json;
    const ok = await call('PUT', `${POOLS}/10.0.0.0-24`, { ...cur, spec: { ...cur.spec, allocations: { '1': { id: 'a', podref: 'ns/a' } } } });
    expect(ok.status).toBe(200);
    expect(ok.json.metadata?.generation).toBe(2);
    const stale = await call('PUT', `${POOLS}/10.0.0.0-24`, cur);
    expect(stale.status).toBe(409);
    expect(stale.json.message).toBe(
      'Operation cannot be fulfilled on ippools.whereabouts.cni.cncf.io "10.0.0.0-24": the object has been modified; please apply your changes to the latest version and try again',
    );
    const { resourceVersion: _, ...meta } = cur.metadata!;
    expect((await call('PUT', `${POOLS}/10.0.0.0-24`, { ...cur, metadata: meta })).status).toBe(422);
  });

  it('JSON patch: tests hold for an absent member against null, a failed test is 422 and changes nothing', async () => {
    const cur = (await call('GET', `${POOLS}/10.0.0.0-24`)).json;
    const rv = cur.metadata!.resourceVersion;
    const jp = 'application/json-patch+json';
    const add2 = [
      { op: 'test', path: '/metadata/resourceVersion', value: rv },
      { op: 'test', path: '/spec/allocations/2', value: null },
      { op: 'add', path: '/spec/allocations/2', value: { id: 'b', podref: 'ns/b' } },
    ];
    const r = await call('PATCH', `${POOLS}/10.0.0.0-24`, add2, jp);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json.spec.allocations)).toEqual(['1', '2']);
    // The same patch again: the resourceVersion test fails.
    const again = await call('PATCH', `${POOLS}/10.0.0.0-24`, add2, jp);
    expect(again.status).toBe(422);
    expect(again.json).toMatchObject({ reason: 'Invalid', message: 'the server rejected our request due to an error in our request' });
    // Without the resourceVersion test, the member test alone refuses a taken entry.
    expect((await call('PATCH', `${POOLS}/10.0.0.0-24`, add2.slice(1), jp)).status).toBe(422);
    // A pointer into a missing parent is 422 too.
    expect((await call('PATCH', `${POOLS}/10.0.0.0-24`, [{ op: 'add', path: '/spec/nothing/x', value: 1 }], jp)).status).toBe(422);
    expect((await call('GET', `${POOLS}/10.0.0.0-24`)).json.metadata?.resourceVersion).toBe(r.json.metadata?.resourceVersion);
  });

  it('merge patch with a stale resourceVersion is 409; strategic merge is refused for custom resources', async () => {
    const r = await call('PATCH', `${POOLS}/10.0.0.0-24`, { metadata: { resourceVersion: '1' }, spec: { range: '10.0.1.0/24' } }, 'application/merge-patch+json');
    expect(r.status).toBe(409);
    const ok = await call('PATCH', `${POOLS}/10.0.0.0-24`, { spec: { allocations: { '1': null } } }, 'application/merge-patch+json');
    expect(Object.keys(ok.json.spec.allocations)).toEqual(['2']);
    expect((await call('PATCH', `${POOLS}/10.0.0.0-24`, {}, 'application/strategic-merge-patch+json')).status).toBe(415);
  });

  it('delete preconditions, finalizers', async () => {
    await call('POST', POOLS, { ...pool('fin'), metadata: { name: 'fin', finalizers: ['example.com/keep'] } });
    const wrong = await call('DELETE', `${POOLS}/fin`, { preconditions: { uid: 'nope' } });
    expect(wrong.status).toBe(409);
    expect(wrong.json.message).toMatch(/^Precondition failed: UID in precondition: nope, UID in object meta: /);
    const marked = await call('DELETE', `${POOLS}/fin`);
    expect(marked.status).toBe(200);
    expect(marked.json.metadata?.deletionTimestamp).toBeTruthy();
    expect((await call('GET', `${POOLS}/fin`)).status).toBe(200);
    const cur = (await call('GET', `${POOLS}/fin`)).json;
    expect((await call('PUT', `${POOLS}/fin`, { ...cur, metadata: { ...cur.metadata, finalizers: [] } })).status).toBe(200);
    expect((await call('GET', `${POOLS}/fin`)).status).toBe(404);
  });
});

describe('core resources', () => {
  it('a scheduled pod is deleted gracefully; a grace period of 0 removes it', async () => {
    await call('POST', '/api/v1/namespaces', { metadata: { name: 'graceful' } });
    const pod = podObject({ namespace: 'graceful', name: 'web-0', nodeName: 'node-a', status: { phase: 'Running' } });
    (pod.spec as Record<string, unknown>).terminationGracePeriodSeconds = 30;
    await call('POST', '/api/v1/namespaces/graceful/pods', pod);
    const r = await call('DELETE', '/api/v1/namespaces/graceful/pods/web-0');
    expect(r.json.metadata?.deletionTimestamp).toBeTruthy();
    expect((await call('GET', '/api/v1/namespaces/graceful/pods/web-0')).status).toBe(200);
    await call('DELETE', '/api/v1/namespaces/graceful/pods/web-0', { gracePeriodSeconds: 0 });
    const gone = await call('GET', '/api/v1/namespaces/graceful/pods/web-0');
    expect(gone.status).toBe(404);
    expect(gone.json.message).toBe('pods "web-0" not found');
  });

  it('label and field selectors, paged lists', async () => {
    await call('POST', '/api/v1/namespaces', { metadata: { name: 'sel' } });
    for (const [name, app, node] of [['a', 'web', 'n1'], ['b', 'db', 'n1'], ['c', 'web', 'n2']]) {
      await call('POST', '/api/v1/namespaces/sel/pods', podObject({ namespace: 'sel', name: name!, labels: { app: app! }, nodeName: node }));
    }
    const names = async (q: string) => (await call('GET', `/api/v1/namespaces/sel/pods?${q}`)).json.items.map((o: KubeObject) => o.metadata?.name);
    expect(await names('labelSelector=app%3Dweb')).toEqual(['a', 'c']);
    expect(await names('labelSelector=app+in+(db,cache)')).toEqual(['b']);
    expect(await names('labelSelector=app!%3Dweb')).toEqual(['b']);
    expect(await names('fieldSelector=spec.nodeName%3Dn1')).toEqual(['a', 'b']);
    const p1 = (await call('GET', '/api/v1/namespaces/sel/pods?limit=2')).json;
    expect(p1.items.length).toBe(2);
    const p2 = (await call('GET', `/api/v1/namespaces/sel/pods?limit=2&continue=${encodeURIComponent(String(p1.metadata?.continue))}`)).json;
    expect(p2.items.map((o: KubeObject) => o.metadata?.name)).toEqual(['c']);
    const all = (await call('GET', '/api/v1/pods?labelSelector=app%3Dweb')).json.items.map((o: KubeObject) => `${o.metadata?.namespace}/${o.metadata?.name}`);
    expect(all).toEqual(expect.arrayContaining(['sel/a', 'sel/c']));
    const big = await call('GET', `/api/v1/namespaces/sel/pods?resourceVersion=${Number(stub.resourceVersion) + 100}`);
    expect(big.status).toBe(504);
  });

  it('cluster-scoped resources and other groups: CSRs, Leases, EndpointSlices', async () => {
    const csr = await call('POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', { metadata: { name: 'csr-1' }, spec: { request: csrRequest('n1'), signerName: 'example.com/s', usages: ['client auth'] } });
    expect(csr.status).toBe(201);
    expect(csr.json.metadata?.namespace).toBeUndefined();
    const appr = await call('PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1/approval', { ...csr.json, status: { conditions: [{ type: 'Approved', status: 'True' }] } });
    expect(appr.json.status.conditions[0].type).toBe('Approved');
    await call('POST', '/api/v1/namespaces', { metadata: { name: 'coord' } });
    const lease = await call('POST', '/apis/coordination.k8s.io/v1/namespaces/coord/leases', { metadata: { name: 'whereabouts' }, spec: { holderIdentity: 'a' } });
    expect(lease.json.apiVersion).toBe('coordination.k8s.io/v1');
    const stale = await call('PUT', '/apis/coordination.k8s.io/v1/namespaces/coord/leases/whereabouts', { ...lease.json, metadata: { ...lease.json.metadata, resourceVersion: '1' } });
    expect(stale.status).toBe(409);
    const eps = await call('POST', '/apis/discovery.k8s.io/v1/namespaces/coord/endpointslices', { metadata: { generateName: 'svc-', labels: { 'kubernetes.io/service-name': 'svc' } }, addressType: 'IPv4', endpoints: [] });
    expect(eps.json.metadata?.name).toMatch(/^svc-[0-9a-f]{5}$/);
    expect((await call('GET', '/apis/nothing.example.com/v1/things')).status).toBe(404);
  });
});

const csrRequest = (cn: string) => Buffer.from(certificateRequest(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey, { cn, o: ['system:multus'] })).toString('base64');

describe('CertificateSigningRequests, as strict as the real server', () => {
  const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
  it('create: a PKCS#10 whose signature holds, a qualified signer, known usages, >= 600 s; spec.username filled, status dropped', async () => {
    const good = { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['digital signature', 'client auth'], expirationSeconds: 600 };
    const forged = csrRequest('a').replace(/.{8}(?=LS0tLS1FTkQ)/, 'AAAAAAAA');
    const bad = await call('POST', CSRS, { metadata: { name: 'bad' }, spec: { ...good, request: forged, signerName: 'nodomain', usages: ['client auth', 'flying', 'client auth'], expirationSeconds: 599 } });
    expect(bad.status).toBe(422);
    const fields = (bad.json.details.causes as { field: string }[]).map((c) => c.field);
    expect(fields).toEqual(['spec.request', 'spec.signerName', 'spec.usages[1]', 'spec.usages[2]', 'spec.expirationSeconds']);
    expect((await call('POST', CSRS, { metadata: { name: 'none' }, spec: { signerName: 'example.com/s' } })).json.message).toMatch(/spec.request: Required value.*spec.usages: Required value/);
    const ok = await call('POST', CSRS, { metadata: { generateName: 'csr-' }, spec: { ...good, request: csrRequest('b') }, status: { certificate: 'eA==' } });
    expect(ok.status).toBe(201);
    expect(ok.json.metadata?.name).toMatch(/^csr-/);
    expect(ok.json.spec.username).toBe('system:anonymous');
    expect(ok.json.status).toBeUndefined();
  });

  it('update: spec immutable; Approved/Denied only through approval, exclusive, never removed; the certificate only through status, once approved, PEM, once', async () => {
    const ca = testCA();
    const request = csrRequest('c');
    const created = (await call('POST', CSRS, { metadata: { name: 'csr-upd' }, spec: { request, signerName: 'example.com/s', usages: ['client auth'] } })).json;
    const url = `${CSRS}/csr-upd`;
    expect((await call('PUT', url, { ...created, spec: { ...created.spec, usages: ['server auth'] } })).json.message).toMatch(/spec: Invalid value: .*field is immutable/);
    const approved = { conditions: [{ type: 'Approved', status: 'True', reason: 'Test' }] };
    expect((await call('PUT', `${url}/status`, { ...created, status: approved })).json.message).toMatch(/may not add a condition of type "Approved"/);
    const cert = Buffer.from(ca.signRequest(Buffer.from(request, 'base64').toString(), 60_000)).toString('base64');
    expect((await call('PUT', `${url}/status`, { ...created, status: { certificate: cert } })).json.message).toMatch(/certificate issuance requires an Approved condition/);
    expect((await call('PUT', `${url}/approval`, { ...created, status: { conditions: [...approved.conditions, { type: 'Denied', status: 'True' }] } })).json.message).toMatch(/mutually exclusive/);
    const a = (await call('PUT', `${url}/approval`, { ...created, status: approved })).json;
    expect(a.status.conditions[0].type).toBe('Approved');
    expect((await call('PUT', `${url}/approval`, { ...a, status: { conditions: [] } })).json.message).toMatch(/may not remove a condition of type "Approved"/);
    expect((await call('PUT', `${url}/status`, { ...a, status: { ...approved, certificate: Buffer.from('junk').toString('base64') } })).json.message).toMatch(/status.certificate: Invalid value/);
    const issued = await call('PUT', `${url}/status`, { ...a, status: { ...approved, certificate: cert } });
    expect(issued.status).toBe(200);
    const again = Buffer.from(ca.signRequest(Buffer.from(request, 'base64').toString(), 60_000)).toString('base64');
    expect((await call('PUT', `${url}/status`, { ...issued.json, status: { ...approved, certificate: again } })).json.message).toMatch(/may not modify existing certificate content/);
  });
});

describe('watch', () => {
  it('from a resourceVersion: the changes after it; selector transitions; 410 once compacted', async () => {
    await call('POST', '/api/v1/namespaces', { metadata: { name: 'w' } });
    const start = stub.resourceVersion;
    await call('POST', '/api/v1/namespaces/w/configmaps', { metadata: { name: 'a', labels: { x: '1' } }, data: {} });
    const cm = (await call('GET', '/api/v1/namespaces/w/configmaps/a')).json;
    await call('PUT', '/api/v1/namespaces/w/configmaps/a', { ...cm, metadata: { ...cm.metadata, labels: { x: '2' } } });
    await call('DELETE', '/api/v1/namespaces/w/configmaps/a');
    const all = await watch(`/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${start}`, 3);
    expect(all.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    // With a selector, leaving the selection is a DELETED.
    const sel = await watch(`/api/v1/namespaces/w/configmaps?watch=1&resourceVersion=${start}&labelSelector=x%3D1`, 2);
    expect(sel.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
    // Live events reach a watch opened before them.
    const live = watch(`/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${stub.resourceVersion}`, 1);
    await new Promise((r) => setTimeout(r, 50));
    await call('POST', '/api/v1/namespaces/w/configmaps', { metadata: { name: 'b' } });
    expect((await live)[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'b' } } });
    stub.compact();
    const gone = await watch(`/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${start}`, 1);
    expect(gone[0]).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
    expect((await call('GET', `/api/v1/namespaces/w/configmaps?resourceVersion=${start}&resourceVersionMatch=Exact`)).status).toBe(410);
  });
});

describe('request record', () => {
  it('records the RBAC verb of each request', async () => {
    const s = await startStub();
    try {
      await fetch(`${s.url}/api/v1/namespaces`, { method: 'POST', body: JSON.stringify({ metadata: { name: 'v' } }), headers: { 'content-type': 'application/json' } });
      await fetch(`${s.url}/api/v1/namespaces/v/pods/x`);
      await fetch(`${s.url}/apis/coordination.k8s.io/v1/namespaces/v/leases`);
      expect(s.verbs()).toEqual(['create namespaces', 'get pods', 'list leases.coordination.k8s.io']);
    } finally {
      await s.close();
    }
  });
});

describe('a stub in its own process', () => {
  it('serves other processes, with CRDs given on the command line', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/cnits-stub-`);
    writeFileSync(`${dir}/crd.json`, JSON.stringify(IPPOOL_CRD));
    const p = await startStubProcess(['--crd', `${dir}/crd.json`]);
    try {
      const res = await fetch(`${p.url}/apis/whereabouts.cni.cncf.io/v1alpha1/ippools`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { kind: string }).kind).toBe('IPPoolList');
    } finally {
      await p.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
