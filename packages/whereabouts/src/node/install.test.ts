import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { install } from './install';

const dir = mkdtempSync(path.join(tmpdir(), 'cnits-wa-install-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the DaemonSet install', () => {
  it('binary, kubeconfig (namespace, token refresh), flat file and nodename, as install-cni.sh writes them', () => {
    const sa = path.join(dir, 'sa');
    const bin = path.join(dir, 'bin');
    const conf = path.join(dir, 'net.d');
    mkdirSync(sa);
    mkdirSync(bin);
    writeFileSync(path.join(sa, 'token'), 'tok-1');
    writeFileSync(path.join(sa, 'ca.crt'), 'PEM');
    writeFileSync(path.join(dir, 'whereabouts'), '#!/bin/sh\n');
    const done = install({
      binary: path.join(dir, 'whereabouts'),
      cniBinDir: bin,
      cniConfDir: conf,
      hostCniConfDir: '/etc/cni/net.d',
      namespace: 'kube-system',
      nodeName: 'node-a',
      cronExpression: '30 4 * * *',
      env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
      saDir: sa,
    });
    expect(statSync(path.join(bin, 'whereabouts')).mode & 0o777).toBe(0o755);
    const kc = readFileSync(done.kubeconfig, 'utf8');
    expect(kc).toContain('token: "tok-1"');
    expect(kc).toContain('    namespace: kube-system');
    expect(kc).toContain('current-context: whereabouts-context');
    const flat = path.join(conf, 'whereabouts.d/whereabouts.conf');
    expect(JSON.parse(readFileSync(flat, 'utf8'))).toEqual({
      datastore: 'kubernetes',
      configuration_path: '/etc/cni/net.d/whereabouts.d',
      kubernetes: { kubeconfig: '/etc/cni/net.d/whereabouts.d/whereabouts.kubeconfig' },
      reconciler_cron_expression: '30 4 * * *',
    });
    expect(readFileSync(path.join(conf, 'whereabouts.d/nodename'), 'utf8')).toBe('node-a');
    // The plugin reads that flat file.
    const c = loadConfig({ name: 'n', ipam: { type: 'whereabouts', range: '10.0.0.0/24' } }, { flatFiles: [flat] });
    expect(c.kubeconfig).toBe('/etc/cni/net.d/whereabouts.d/whereabouts.kubeconfig');
    writeFileSync(path.join(sa, 'token'), 'tok-2');
    done.refresh();
    expect(readFileSync(done.kubeconfig, 'utf8')).toContain('token: "tok-2"');
  });
});
