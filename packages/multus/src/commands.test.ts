// Command-level failures that happen before any namespace or delegate is touched.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cniEnv, dispatch } from '@cni-ts/cni';
import { afterAll, describe, expect, it } from 'vitest';
import { createMultus } from './plugin';

const cniDir = mkdtempSync(path.join(tmpdir(), 'cnits-multus-cmd-'));
afterAll(() => rmSync(cniDir, { recursive: true, force: true }));

const conf = (extra: Record<string, unknown> = {}) => JSON.stringify({ cniVersion: '1.0.0', name: 'multus', type: 'multus', delegates: [{ name: 'n', type: 'fake' }], cniDir, binDir: path.join(cniDir, 'no-bin'), ...extra });

async function call(command: string, stdin: string, args = '', opts = {}) {
  const out = await dispatch(createMultus(opts), { env: cniEnv({ command, containerId: 'c1', netns: '/nonexistent/netns', ifname: 'eth0', args, path: '/nonexistent' }), stdin });
  return { code: out.exitCode, error: out.stdout ? (JSON.parse(out.stdout) as { code: number; msg: string }) : undefined };
}

describe('commands', () => {
  it('ADD waits for the readiness indicator file and fails with upstream\'s text', async () => {
    const r = await call('ADD', conf({ readinessindicatorfile: '/nonexistent/ready' }), 'K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_UID=u', { readinessIntervalMs: 20, readinessTimeoutMs: 100 });
    expect(r.error).toEqual({
      code: 999,
      msg: 'Multus: [ns/p/u]: have you checked that your default network is ready? still waiting for readinessindicatorfile @ /nonexistent/ready. pollimmediate error: timed out waiting for the condition',
    });
  });

  it('CNI_ARGS are parsed as upstream\'s K8sArgs (unknown keys need IgnoreUnknown)', async () => {
    const r = await call('ADD', conf(), 'FOO=bar');
    expect(r.error?.msg).toBe('Multus: error getting k8s args: ARGS: unknown args ["FOO=bar"]');
  });

  it('a bad kubeconfig fails the ADD naming the file', async () => {
    const r = await call('ADD', conf({ kubeconfig: '/nonexistent/kubeconfig' }));
    expect(r.error?.msg).toMatch(/^Multus: error getting k8s client: GetK8sClient: failed to get context for the kubeconfig \/nonexistent\/kubeconfig: /);
  });

  it('the netns must exist (validateIfName), and the failed ADD names the network', async () => {
    const r = await call('ADD', conf(), '');
    expect(r.error?.msg).toMatch(/^\[\/\/:n\]: error adding container to network "n": DelegateAdd: cannot set "fake" interface name to "eth0": validateIfName: no net namespace \/nonexistent\/netns found: /);
  });

  it('DEL without the config\'s prefix (as upstream CmdDel)', async () => {
    const r = await call('DEL', JSON.stringify({ cniVersion: '1.0.0', name: 'multus', type: 'multus' }));
    expect(r.error).toEqual({ code: 999, msg: 'LoadNetConf: at least one delegate/clusterNetwork must be specified' });
  });

  it('refuses to run as a delegate of Multus (issue 18), and config delegates naming Multus are refused', async () => {
    const out = await dispatch(createMultus(), {
      env: { ...cniEnv({ command: 'ADD', containerId: 'c1', netns: '/nonexistent/netns', ifname: 'eth0', args: '', path: '/nonexistent' }), CNI_TS_MULTUS_NESTED: '1' },
      stdin: conf(),
    });
    expect(JSON.parse(out.stdout)).toEqual({ code: 7, msg: 'Multus: refusing to run as a delegate of Multus', details: "CNI_TS_MULTUS_NESTED=1: a network's config may not run Multus itself" });
    const r = await call('ADD', conf({ delegates: [{ name: 'n', type: 'multus', binDir: '/tmp/x' }] }));
    expect(r.error?.msg).toMatch(/a delegate of type "multus" is refused/);
  });
});
