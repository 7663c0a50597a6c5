// sbr as a runtime runs it after a main plugin, against the real kernel and the Go oracle
// (/usr/lib/cni/sbr, v1.1.1): the rules and tables after ADD and DEL agree (dual stack); bad
// input fails alike and leaves no rule or route behind; replies leave through the interface their
// source address belongs to; `table`, `gateways` and `addSourceHints` (newer than the oracle);
// the flock never creates a missing netns path.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLeaks, cni, goPlugin, GO_DIR, ipJson, must, ping, routedPeer, testEnv, tsPlugin, type PluginImpl, type TestEnv } from '@cni-ts/testkit';
import { openHandle, openNetns } from '@cni-ts/netlink';
import { beforeAll, describe, expect, it } from 'vitest';

checkLeaks();

let ours: PluginImpl;
const go = goPlugin('sbr');
beforeAll(async () => {
  expect(existsSync(`${GO_DIR}/sbr`), `the Go oracle ${GO_DIR}/sbr is missing`).toBe(true);
  ours = await tsPlugin('sbr');
});

/**
 * A pod with two interfaces from the host: eth0 10.68.1.2/24 (the default route, via 10.68.1.1)
 * and eth1 10.68.2.2/24 + fd68:2::2/64 (gateways .1 / ::1 on the host ends); and a client
 * 10.68.9.2 behind the host. Returns the prevResult of eth1's attachment.
 */
function pod(env: TestEnv, v6 = true): Record<string, unknown> {
  const h = openHandle(env.host.path);
  const ctr = openNetns(env.container.path);
  try {
    h.linkAdd({ kind: 'veth', name: 'sbh0', up: true, peer: { name: 'eth0', netns: ctr } });
    h.linkAdd({ kind: 'veth', name: 'sbh1', up: true, peer: { name: 'eth1', netns: ctr } });
    h.addrAdd('sbh0', '10.68.1.1/24');
    h.addrAdd('sbh1', '10.68.2.1/24');
    if (v6) h.addrAdd('sbh1', { address: 'fd68:2::1/64', noDad: true });
  } finally {
    ctr.close();
    h.close();
  }
  const c = openHandle(env.container.path);
  try {
    for (const l of ['eth0', 'eth1']) c.linkSetUp(l);
    c.addrAdd('eth0', '10.68.1.2/24');
    c.addrAdd('eth1', '10.68.2.2/24');
    if (v6) c.addrAdd('eth1', { address: 'fd68:2::2/64', noDad: true });
    c.routeAdd({ dst: 'default', gateway: '10.68.1.1' });
  } finally {
    c.close();
  }
  return {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'eth1', sandbox: env.container.path }],
    ips: [{ address: '10.68.2.2/24', gateway: '10.68.2.1', interface: 0 }, ...(v6 ? [{ address: 'fd68:2::2/64', gateway: 'fd68:2::1', interface: 0 }] : [])],
  };
}

const conf = (prevResult: unknown, extra: Record<string, unknown> = {}) => ({ cniVersion: '1.0.0', name: 'sbrnet', type: 'sbr', ...extra, prevResult });
const call = (env: TestEnv, command: 'ADD' | 'DEL' | 'CHECK', netns = env.container.path) => ({ command, netns, containerId: 'c1', ifname: 'eth1' });

const strip = (r: Record<string, unknown>) => {
  const { flags: _f, ...rest } = r;
  return rest;
};

/** Rules and every table's routes (but local) of the pod, both families. */
function kernel(env: TestEnv) {
  const routes = (fam: '-4' | '-6') =>
    ipJson(env.container.name, fam, 'route', 'show', 'table', 'all')
      .filter((r) => r.table !== 'local' && !(fam === '-6' && String(r.dst).startsWith('ff00')))
      .map(strip);
  return { rules4: ipJson(env.container.name, '-4', 'rule', 'show'), rules6: ipJson(env.container.name, '-6', 'rule', 'show'), routes4: routes('-4'), routes6: routes('-6') };
}

function steps(impl: PluginImpl) {
  const env = testEnv();
  const prev = pod(env);
  const add = cni(impl, env.host.name, call(env, 'ADD'), conf(prev));
  expect(add.code, add.stdout + add.stderr).toBe(0);
  const json = JSON.parse(JSON.stringify(add.json).replaceAll(env.container.path, '<netns>')) as Record<string, unknown>;
  if (json.dns && Object.keys(json.dns).length === 0) delete json.dns;
  const afterAdd = kernel(env);
  const check = cni(impl, env.host.name, call(env, 'CHECK'), conf(add.json));
  const del = cni(impl, env.host.name, call(env, 'DEL'), conf(add.json));
  return { add: json, afterAdd, check: check.code, del: [del.code, del.stdout], afterDel: kernel(env) };
}

/** Bad input: no prevResult, no IPs, a prevResult that is no object, a default route that cannot be added (after the rule). */
const badCases = (prev: Record<string, unknown>): Record<string, unknown>[] => [
  conf(undefined),
  conf({ ...prev, ips: [] }),
  conf('zz'),
  conf({ ...prev, ips: [{ address: '10.68.2.2/24', gateway: '10.99.99.1' }] }),
];

describe('sbr against the Go oracle', () => {
  it('dual stack: the same rules and tables after ADD (first free table per address) and DEL', () => {
    const g = steps(go);
    const t = steps(ours);
    expect(t).toEqual(g);
    expect(t.afterAdd.rules4).toContainEqual(expect.objectContaining({ src: '10.68.2.2', table: '100' }));
    expect(t.afterAdd.rules6).toContainEqual(expect.objectContaining({ src: 'fd68:2::2', table: '101' }));
    expect(t.afterAdd.routes4).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '10.68.2.1', table: '100' }));
  });

  it('bad input fails with the same codes and messages and leaves no rule or route behind', () => {
    const outs = (impl: PluginImpl) => {
      const env = testEnv();
      const prev = pod(env, false);
      const before = kernel(env);
      const res = badCases(prev).map((c) => {
        const r = cni(impl, env.host.name, call(env, 'ADD'), c);
        return { code: r.code, json: { code: r.json?.code, msg: r.json?.msg } };
      });
      return { res, left: JSON.stringify(kernel(env)) === JSON.stringify(before) };
    };
    const t = outs(ours);
    const g = outs(go);
    expect(t.res).toEqual(g.res);
    // The oracle keeps the rule it added before the default route failed; ours removes it.
    expect([t.left, g.left]).toEqual([true, false]);
  });
});

describe('sbr', () => {
  it('a reply leaves through the interface its source address belongs to', () => {
    const env = testEnv();
    const client = env.extra('client');
    const prev = pod(env, false);
    routedPeer(env.host, client, { hostEnd: 'sbc0', peerEnd: 'c0', hostCidr: '10.68.9.1/24', peerCidr: '10.68.9.2/24' });
    const tx = () => Object.fromEntries(['eth0', 'eth1'].map((l) => [l, Number((ipJson(env.container.name, '-s', 'link', 'show', l)[0] as { stats64: { tx: { packets: number } } }).stats64.tx.packets)]));
    const pings = (n: number) => {
      const before = tx();
      expect(ping(client.name, '10.68.2.2', n)).toBe(true);
      const after = tx();
      return { eth0: after.eth0! - before.eth0!, eth1: after.eth1! - before.eth1! };
    };
    // Without sbr the reply from 10.68.2.2 follows the default route, out of eth0.
    expect(pings(3).eth0).toBeGreaterThanOrEqual(3);
    const add = cni(ours, env.host.name, call(env, 'ADD'), conf(prev));
    expect(add.code, add.stdout).toBe(0);
    const d = pings(3);
    expect(d.eth1).toBeGreaterThanOrEqual(3);
    expect(d.eth0).toBeLessThan(3);
    // Traffic of eth0's address still takes the main table.
    expect(ping(client.name, '10.68.1.2')).toBe(true);
    expect(cni(ours, env.host.name, call(env, 'DEL'), conf(add.json)).code).toBe(0);
    expect(kernel(env).rules4.filter((r) => r.src !== 'all')).toEqual([]);
  });

  it('table: only the rules; gateways and addSourceHints (upstream main); a table with routes is not reused', () => {
    const env = testEnv();
    const prev = pod(env, false);
    const c = openHandle(env.container.path);
    try {
      c.routeAdd({ dst: '10.68.50.0/24', gateway: '10.68.2.1', table: 100 });
    } finally {
      c.close();
    }
    const before = kernel(env);
    expect(cni(ours, env.host.name, call(env, 'ADD'), conf(prev, { table: 100 })).code).toBe(0);
    const withTable = kernel(env);
    expect(withTable.routes4).toEqual(before.routes4);
    expect(withTable.rules4).toContainEqual(expect.objectContaining({ src: '10.68.2.2', table: '100' }));
    expect(cni(ours, env.host.name, call(env, 'DEL'), conf(prev, { table: 100 })).code).toBe(0);
    expect(kernel(env)).toEqual(before);

    const add = cni(ours, env.host.name, call(env, 'ADD'), conf(prev, { gateways: ['10.68.2.254'], addSourceHints: true }));
    expect(add.code, add.stdout).toBe(0);
    const k = kernel(env);
    // Table 100 holds a route (no rule looks it up): the first free table is 101 (upstream: 100).
    expect(k.routes4).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '10.68.2.254', table: '101' }));
    expect(k.routes4).toContainEqual(expect.objectContaining({ dst: '10.68.2.0/24', dev: 'eth1', prefsrc: '10.68.2.2', scope: 'link' }));
    const bad = cni(ours, env.host.name, call(env, 'ADD'), conf(prev, { gateways: ['10.0.0.1', '10.0.0.2'] }));
    expect(bad.json).toEqual({ code: 999, msg: 'gateways list contains multiple IPv4 addresses: 10.0.0.1 and 10.0.0.2' });
    expect(kernel(env)).toEqual(k);
  });

  it('DEL succeeds with the interface, the namespace or CNI_NETNS gone; a missing netns path is never created', () => {
    const env = testEnv();
    const prev = pod(env, false);
    must('ip', ['-n', env.container.name, 'link', 'del', 'eth1']);
    expect(cni(ours, env.host.name, call(env, 'DEL'), conf(prev)).code).toBe(0);
    expect(cni(ours, env.host.name, call(env, 'DEL', ''), conf(prev)).code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'cnits-sbr-'));
    try {
      const missing = join(dir, 'netns');
      expect(cni(ours, env.host.name, call(env, 'DEL', missing), conf(prev)).code).toBe(0);
      const add = cni(ours, env.host.name, call(env, 'ADD', missing), conf(prev));
      expect(add.json).toMatchObject({ code: 999, msg: expect.stringContaining(`failed to open netns "${missing}"`) });
      expect(existsSync(missing)).toBe(false);
      // The oracle's go-filemutex creates it.
      cni(go, env.host.name, call(env, 'ADD', missing), conf(prev));
      expect(existsSync(missing)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
