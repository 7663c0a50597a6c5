// Start-up discipline: VERSION loads no command module, and a DEL served from the delegate
// cache never imports @kubernetes/client-node (hundreds of milliseconds to seconds).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cniEnv, dispatch } from '@cni-ts/cni';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCache } from '@cni-ts/chain';
import { saveDelegates } from './cache';
import { loadDelegateNetConf } from './delegate';
import { clientNodeImportMs } from '@cni-ts/kube';
import { createMultus } from './plugin';

const dir = mkdtempSync(path.join(tmpdir(), 'cnits-multus-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lazy loading', () => {
  it('VERSION answers from the skeleton', async () => {
    const out = await dispatch(createMultus(), { env: cniEnv({ command: 'VERSION' }) });
    expect(JSON.parse(out.stdout).supportedVersions).toContain('1.1.0');
  });

  it('DEL from the delegate cache does not load client-node, even with a kubeconfig configured', async () => {
    const d = loadDelegateNetConf(new TextEncoder().encode('{"cniVersion":"1.0.0","name":"n","type":"no-such-plugin"}'), undefined, '', '');
    d.masterPlugin = true;
    saveDelegates(dir, 'c1', [d]);
    // The result cache records it as attached: its DEL must succeed before the cache goes.
    writeCache(dir, undefined, d.bytes, 'n', { containerId: 'c1', ifName: 'eth0', netns: '' });
    const conf = { cniVersion: '1.0.0', name: 'multus', type: 'multus', clusterNetwork: 'n', cniDir: dir, binDir: dir, kubeconfig: '/nonexistent/kubeconfig' };
    const out = await dispatch(createMultus(), {
      env: cniEnv({ command: 'DEL', containerId: 'c1', ifname: 'eth0', netns: '', path: dir, args: 'K8S_POD_NAMESPACE=a;K8S_POD_NAME=b;IgnoreUnknown=1' }),
      stdin: JSON.stringify(conf),
    });
    // The attached delegate's DEL fails (no binary): reported, not swallowed; the cache is kept for a retry.
    expect(out.exitCode).toBe(1);
    expect(JSON.parse(out.stdout).msg).toContain('failed to find plugin "no-such-plugin"');
    expect(clientNodeImportMs).toBe(0);
    expect(existsSync(path.join(dir, 'c1'))).toBe(true);
  });

  it('a delegate the result cache does not record (never attached) cannot wedge the DEL', async () => {
    const d = loadDelegateNetConf(new TextEncoder().encode('{"cniVersion":"1.0.0","name":"n","type":"no-such-plugin"}'), undefined, '', '');
    d.masterPlugin = true;
    saveDelegates(dir, 'c2', [d]);
    const conf = { cniVersion: '1.0.0', name: 'multus', type: 'multus', clusterNetwork: 'n', cniDir: dir, binDir: dir };
    const out = await dispatch(createMultus(), {
      env: cniEnv({ command: 'DEL', containerId: 'c2', ifname: 'eth0', netns: '', path: dir, args: 'K8S_POD_NAMESPACE=a;K8S_POD_NAME=b;IgnoreUnknown=1' }),
      stdin: JSON.stringify(conf),
    });
    expect(out.exitCode, out.stdout).toBe(0);
    expect(existsSync(path.join(dir, 'c2'))).toBe(false);
  });
});
