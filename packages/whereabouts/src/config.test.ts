import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { ipText } from './range';

const dir = mkdtempSync(path.join(tmpdir(), 'cnits-wa-conf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const none = { flatFiles: [path.join(dir, 'nothing')] };
const net = (ipam: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ cniVersion: '1.0.0', name: 'n', type: 'macvlan', ipam: { type: 'whereabouts', ...ipam }, ...extra });
const k8s = { kubernetes: { kubeconfig: '/k' } };

describe('loadConfig', () => {
  it('the legacy range goes first, ipRanges after; snake_case only (rangeStart is ignored)', () => {
    const c = loadConfig(net({ ...k8s, range: '10.0.0.0/24', range_start: '10.0.0.5', rangeStart: '10.0.0.9', ipRanges: [{ range: 'fd00::/64' }] }), none);
    expect(c.ranges.map((r) => r.cidr)).toEqual(['10.0.0.0/24', 'fd00::/64']);
    expect(ipText(c.ranges[0]!.rangeStart!)).toBe('10.0.0.5');
    expect(c.overlappingRanges).toBe(true);
  });

  it('keys match case-insensitively, as Go decodes them', () => {
    const c = loadConfig(net({ ...k8s, RANGE: '10.0.0.0/24', Network_Name: 'blue' }), none);
    expect(c.ranges[0]!.cidr).toBe('10.0.0.0/24');
    expect(c.networkName).toBe('blue');
  });

  it('the flat file fills what the inline config leaves unset, never enable_overlapping_ranges', () => {
    const flat = path.join(dir, 'whereabouts.conf');
    writeFileSync(flat, JSON.stringify({ datastore: 'kubernetes', kubernetes: { kubeconfig: '/flat/kubeconfig' }, enable_overlapping_ranges: false, log_level: 'debug', range: '10.9.0.0/16' }));
    const c = loadConfig(net({ range: '10.0.0.0/24' }), { flatFiles: [flat] });
    expect(c.kubeconfig).toBe('/flat/kubeconfig');
    expect(c.ranges.map((r) => r.cidr)).toEqual(['10.0.0.0/24']);
    expect(c.overlappingRanges).toBe(true);
    expect(c.logLevel).toBe('debug');
    expect(c.flatFile).toBe(flat);
    // configuration_path is looked at first.
    const first = path.join(dir, 'first.conf');
    writeFileSync(first, JSON.stringify({ kubernetes: { kubeconfig: '/first' } }));
    expect(loadConfig(net({ range: '10.0.0.0/24', configuration_path: first }), { flatFiles: [flat] }).kubeconfig).toBe('/first');
  });

  it('no flat file and no store named inline: "config file not found"; no kubeconfig: the storage error', () => {
    expect(() => loadConfig(net({ range: '10.0.0.0/24' }), none)).toThrow('config file not found');
    const flat = path.join(dir, 'empty.conf');
    writeFileSync(flat, '{}');
    expect(() => loadConfig(net({ range: '10.0.0.0/24' }), { flatFiles: [flat] })).toThrow(
      "you have not configured the storage engine (looks like you're using an invalid `kubernetes.kubeconfig` parameter in your config)",
    );
  });

  it('etcd: whereabouts keys, endpoints comma-separated, inline is enough, no pod name needed', () => {
    const c = loadConfig(net({ datastore: 'etcd', etcd_host: '127.0.0.1:2379, 127.0.0.1:2380', etcd_username: 'u', etcd_password: 'p', range: '10.0.0.0/24' }), none);
    expect(c.datastore).toBe('etcd');
    expect(c.etcd).toMatchObject({ endpoints: ['127.0.0.1:2379', '127.0.0.1:2380'], username: 'u', password: 'p' });
    expect(c.podRef).toBe('');
    expect(() => loadConfig(net({ datastore: 'consul', range: '10.0.0.0/24' }), none)).toThrow("wrong 'datastore' value in IPAM config: consul");
  });

  it('CNI_ARGS: the pod, static IP and GATEWAY', () => {
    const c = loadConfig(net({ ...k8s, range: '10.0.0.0/24', addresses: [{ address: '10.10.0.5/24', gateway: '10.10.0.1' }] }), {
      ...none,
      args: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;IP=192.168.9.9/24;GATEWAY=192.168.9.1',
    });
    expect(c.podRef).toBe('default/web-0');
    expect(c.addresses).toEqual([
      { address: '10.10.0.5/24', gateway: '10.10.0.1', family: 4 },
      { address: '192.168.9.9/24', gateway: '192.168.9.1', family: 4 },
    ]);
    expect(() => loadConfig(net({ ...k8s, range: '10.0.0.0/24' }, { cniVersion: '0.2.0' }), { ...none, args: 'IP=10.1.1.1/24,10.1.1.2/24' })).toThrow(
      'CNI version 0.2.0 does not support more than 1 address per family',
    );
  });

  it("whereabouts' texts for a wrong type, a missing ipam, another IPAM type, a bad gateway", () => {
    expect(() => loadConfig({ name: 'n' }, none)).toThrow("IPAM config missing 'ipam' key");
    expect(() => loadConfig({ ipam: { type: 'host-local' } }, none)).toThrow("only interested in networks whose IPAM type is 'whereabouts'. This one was: host-local");
    expect(() => loadConfig(net({ ...k8s, range: 5 }), none)).toThrow(/^LoadIPAMConfig - JSON Parsing Error: json: cannot unmarshal number into Go struct field IPAMConfigAlias\.ipam\.range of type string/);
    expect(() => loadConfig(net({ ...k8s, range: '10.0.0.0/24', gateway: 'nope' }), none)).toThrow("couldn't parse gateway IP: nope");
    expect(() => loadConfig(net({ ...k8s, range: '10.0.0.0/24', node_slice_size: '/28' }), none)).toThrow(/^node_slice_size .* is not supported/);
  });
});
