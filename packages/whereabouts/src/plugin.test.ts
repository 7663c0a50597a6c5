// whereabouts through the skeleton, against the stand-in API server: what a runtime sees.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dispatch } from '@cni-ts/cni/skel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStub, writeKubeconfig, type K8sStub } from '../../../e2e/src/k8s-stub/index';
import { whereabouts } from './plugin';

let stub: K8sStub;
let dir: string;
let kubeconfig: string;
beforeAll(async () => {
  stub = await startStub();
  const { loadAll } = await import('js-yaml');
  const { readFileSync } = await import('node:fs');
  for (const crd of loadAll(readFileSync(path.resolve(import.meta.dirname, '../deploy/crds.yaml'), 'utf8'))) stub.define(crd as Record<string, unknown>);
  stub.put('namespaces', { metadata: { name: 'kube-system' } });
  dir = mkdtempSync(path.join(tmpdir(), 'cnits-wa-plugin-'));
  kubeconfig = writeKubeconfig(path.join(dir, 'kubeconfig'), { server: stub.url, namespace: 'kube-system' });
});
afterAll(async () => {
  await stub.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = (command: string, extra: Record<string, string> = {}) => ({
  CNI_COMMAND: command,
  CNI_CONTAINERID: 'c1',
  CNI_NETNS: '/nonexistent/netns',
  CNI_IFNAME: 'net1',
  CNI_PATH: '/opt/cni/bin',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0',
  ...extra,
});
const conf = (ipam: Record<string, unknown>, cniVersion = '1.0.0') => JSON.stringify({ cniVersion, name: 'wa', type: 'macvlan', ipam: { type: 'whereabouts', kubernetes: { kubeconfig }, configuration_path: '/nonexistent', ...ipam } });

describe('whereabouts through the skeleton', () => {
  it('ADD prints the result in the config version; CHECK and DEL succeed; VERSION lists 1.1.0', async () => {
    const add = await dispatch(whereabouts, { env: env('ADD'), stdin: conf({ range: '10.40.0.0/24', gateway: '10.40.0.254', routes: [{ dst: '0.0.0.0/0' }] }, '0.3.1') });
    expect(add.exitCode).toBe(0);
    expect(JSON.parse(add.stdout)).toEqual({ cniVersion: '0.3.1', ips: [{ version: '4', address: '10.40.0.1/24', gateway: '10.40.0.254' }], routes: [{ dst: '0.0.0.0/0' }], dns: {} });
    expect((await dispatch(whereabouts, { env: env('CHECK'), stdin: conf({ range: '10.40.0.0/24' }) })).exitCode).toBe(0);
    expect((await dispatch(whereabouts, { env: env('DEL'), stdin: conf({ range: '10.40.0.0/24' }) })).exitCode).toBe(0);
    const version = await dispatch(whereabouts, { env: { CNI_COMMAND: 'VERSION' } });
    expect(JSON.parse(version.stdout).supportedVersions).toContain('1.1.0');
  });

  it("errors: whereabouts' texts, code 999, the field in details", async () => {
    const bad = await dispatch(whereabouts, { env: env('ADD'), stdin: conf({ range: '10.40.0.0/33' }) });
    expect(bad.exitCode).toBe(1);
    expect(JSON.parse(bad.stdout)).toEqual({ code: 999, msg: 'invalid CIDR 10.40.0.0/33: invalid CIDR address: 10.40.0.0/33', details: 'ipam.range' });
    const nopod = await dispatch(whereabouts, { env: env('ADD', { CNI_ARGS: '' }), stdin: conf({ range: '10.40.0.0/24' }) });
    expect(JSON.parse(nopod.stdout)).toMatchObject({ code: 999, msg: 'error at storage engine: IPAM client initialization error: no pod name' });
  });
});
