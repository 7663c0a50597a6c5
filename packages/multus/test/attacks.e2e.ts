// Untrusted input, written as an attacker in one namespace would (issue 18): the pod
// annotations and the NetworkAttachmentDefinitions are theirs, served by the API server; the
// node's Multus runs as root. Each attack must end in a clear CNI error: no file outside the
// plugin's directories changes, no binary outside binDir (and CNI_PATH) runs, namespace
// isolation holds, and the runtime's DEL of the sandbox succeeds and leaves nothing behind.
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkLeaks, links } from '@cni-ts/testkit';
import { describe, expect, it } from 'vitest';
import { writeLauncher } from '@cni-ts/testkit';
import { add, cluster, del, expectDetached, MULTUS_MAIN, ok, setup, tmp, useCluster, type Out, type Setup } from '@cni-ts/testkit/multus';

checkLeaks();
useCluster();

/** Every file below `dir` with its bytes and mtime: what "nothing changed" compares. */
function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' }).toSorted()) {
    const p = path.join(dir, f);
    const st = statSync(p);
    out[f] = st.isFile() ? `${st.mtimeMs}:${readFileSync(p, 'base64')}` : 'dir';
  }
  return out;
}

/** A directory outside every plugin directory holding files an attacker would love to remove. */
function victims(): { dir: string; file: string; before: Record<string, string> } {
  const dir = tmp('victim');
  const file = path.join(dir, 'precious');
  writeFileSync(file, 'not a CNI result\n');
  writeFileSync(path.join(dir, 'kubelet.conf'), 'also precious\n');
  return { dir, file, before: snapshotTree(dir) };
}

/** `interface` that path.join resolves from `<cniDir>/results/<net>-<cid>-` onto `target`. */
const traversal = (target: string) => `/${'../'.repeat(24)}${target.slice(1)}`;

function failed(r: Out): { code: number; msg: string; details?: string } {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  const e = r.json as { code: number; msg: string; details?: string };
  expect(e.msg).toBeTypeOf('string');
  // An error object, never a stack trace.
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
  return e;
}

/** The runtime's DEL after the failed ADD succeeds (and a retry too, when asked), and the sandbox is clean. */
async function deletable(s: Setup, again = false): Promise<void> {
  ok(await del(s));
  expectDetached(s);
  if (again) ok(await del(s));
}

describe('attack 1: an interface name that is a path', () => {
  it('JSON "interface" with ../ cannot delete a file on the node; the ADD fails naming the field and the sandbox stays deletable', async () => {
    const v = victims();
    const s = await setup({ annotation: (nad) => JSON.stringify([{ name: nad, interface: traversal(v.file) }]) });
    const e = failed(await add(s));
    expect(e.msg).toMatch(/k8s\.v1\.cni\.cncf\.io\/networks\[0\]\.interface/);
    expect(e.msg).toMatch(/interface name/);
    expect(existsSync(v.file)).toBe(true);
    expect(snapshotTree(v.dir)).toEqual(v.before);
    // Nothing was attached: the annotation is refused before any delegate runs.
    expect(links(s.env.container.name).map((l) => l.ifname)).toEqual(['lo']);
    await deletable(s, true);
    expect(snapshotTree(v.dir)).toEqual(v.before);
  });

  // More names and both forms: src/annotations.test.ts.
  it('names the kernel refuses (":", "..", 16 bytes) in either form fail the ADD and never wedge the DEL', async () => {
    const v = victims();
    const cases: [(nad: string) => string, RegExp][] = [
      [(nad) => JSON.stringify([{ name: nad }, { name: nad, interfaceRequest: '0123456789abcdef' }]), /networks\[1\]\.interface/],
      [(nad) => `${nad}, ${nad}@..`, /networks\[1\]\.interface/],
    ];
    for (const [annotation, field] of cases) {
      const s = await setup({ annotation });
      const e = failed(await add(s));
      expect(e.msg).toMatch(field);
      expect(links(s.env.container.name).map((l) => l.ifname)).toEqual(['lo']);
      await deletable(s);
    }
    expect(snapshotTree(v.dir)).toEqual(v.before);
  });

  it('a delegate cache written by an older version with such a name is still deletable', async () => {
    const v = victims();
    const s = await setup();
    ok(await add(s));
    // Rewrite the scratch cache as an attacker-influenced older ADD would have left it.
    const file = path.join(s.cniDir, 'ctr1');
    const cache = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
    cache.push({ ...cache[1], ifnameRequest: traversal(v.file) });
    writeFileSync(file, JSON.stringify(cache));
    await deletable(s);
    expect(snapshotTree(v.dir)).toEqual(v.before);
  });
});

describe('attack 2: a NAD that configures Multus itself', () => {
  /** A program the attacker wants run as root: it leaves a mark if it ever runs. */
  function payload(): { dir: string; mark: string } {
    const dir = tmp('evil');
    const mark = path.join(tmp('mark'), 'ran');
    writeFileSync(path.join(dir, 'pwn'), `#!/bin/sh\ntouch '${mark}'\necho '{"cniVersion":"1.0.0"}'\n`);
    chmodSync(path.join(dir, 'pwn'), 0o755);
    return { dir, mark };
  }

  const nested = (evil: string, cniDir: string) => ({
    cniVersion: '1.0.0',
    name: 'nested',
    type: 'multus',
    binDir: evil,
    cniDir,
    confDir: evil,
    logFile: path.join(cniDir, 'log'),
    kubeconfig: '',
    delegates: [{ cniVersion: '1.0.0', name: 'pwn', type: 'pwn' }],
  });

  // Every shape (conflists, case-folded keys, nested delegates): src/delegate.test.ts.
  for (const shape of ['a plugin of type multus', 'a macvlan whose IPAM is multus-shim with a socket dir']) {
    it(`${shape} is refused: nothing outside binDir runs and the sandbox stays deletable`, async () => {
      const p = payload();
      const inner = tmp('inner');
      let config: Record<string, unknown> = nested(p.dir, inner);
      if (shape.includes('IPAM')) {
        // Our macvlan would exec the "IPAM plugin" with the whole config on stdin: Multus's keys included.
        config = { ...config, type: 'macvlan', master: 'master0', ipam: { type: 'multus-shim' }, daemonSocketDir: p.dir };
      }
      const s = await setup({ nadConfig: config });
      // Multus is installed on the node like any plugin: in binDir.
      writeLauncher(s.conf.binDir as string, 'multus', MULTUS_MAIN);
      writeLauncher(s.conf.binDir as string, 'multus-shim', MULTUS_MAIN);
      const e = failed(await add(s));
      expect(e.msg).toMatch(/delegate of type "multus(-shim)?" is refused/);
      expect(existsSync(p.mark)).toBe(false);
      expect(readdirSync(inner)).toEqual([]);
      expect(links(s.env.container.name).map((l) => l.ifname)).toEqual(['lo']);
      await deletable(s);
      expect(existsSync(p.mark)).toBe(false);
    });
  }
});

describe('attack 3: stepping over namespace isolation', () => {
  async function otherNamespace(): Promise<string> {
    const ns = `${cluster.namespace}-other`;
    await cluster.client.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch(() => undefined);
    return ns;
  }

  it('the default-network annotation may not name a NAD of another namespace', async () => {
    const other = await otherNamespace();
    const nadName = `private-${Math.random().toString(36).slice(2, 7)}`;
    await cluster.createNad({ name: nadName, namespace: other, config: { cniVersion: '1.0.0', type: 'loopback' } });
    const s = await setup({ annotations: { 'v1.multus-cni.io/default-network': `${other}/${nadName}` } });
    const before = cluster.stub?.requests.length ?? 0;
    const e = failed(await add(s, {}, { ...s.conf, namespaceIsolation: true }));
    expect(e.msg).toMatch(new RegExp(`namespace isolation enabled, annotation violates permission, pod is in namespace ${cluster.namespace} but refers to target namespace ${other}`));
    expect(e.msg).toMatch(/v1\.multus-cni\.io\/default-network/);
    // The other namespace's NAD is never even read.
    if (cluster.stub) expect(cluster.stub.requests.slice(before).filter((r) => r.path.includes(`/namespaces/${other}/`))).toEqual([]);
    expect(links(s.env.container.name).map((l) => l.ifname)).toEqual(['lo']);
    await deletable(s, true);
  });

  it('NAD names "", "." and ".." (and such namespaces) are refused before any URL is built', async () => {
    // ".", "ns/" and the comma form's "ns/..": src/annotations.test.ts, src/k8s/resolve.test.ts.
    const cases = [JSON.stringify([{ name: '..' }]), JSON.stringify([{ name: '' }]), JSON.stringify([{ name: 'macvlan', namespace: '..' }])];
    for (const annotation of cases) {
      const s = await setup({ annotation: () => annotation });
      const before = cluster.stub?.requests.length ?? 0;
      const e = failed(await add(s, {}, { ...s.conf, namespaceIsolation: true }));
      expect(e.msg).toMatch(/k8s\.v1\.cni\.cncf\.io\/networks\[0\]\.(name|namespace)/);
      if (cluster.stub) {
        const nadCalls = cluster.stub.requests.slice(before).filter((r) => r.path.includes('network-attachment-definitions'));
        // The cluster network is a file here: no NAD request at all, least of all a LIST.
        expect(nadCalls.map((r) => r.path)).toEqual([]);
      }
      expect(links(s.env.container.name).map((l) => l.ifname)).toEqual(['lo']);
      await deletable(s);
    }
  });
});
