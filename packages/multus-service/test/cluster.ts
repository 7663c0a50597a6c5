// The seed demo as a test bed, on the stand-in API server and real namespaces: a "node" netns
// with master0, a dual-stack macvlan NAD (host-local 10.77.0.0/24 + fd00:77::/64), and three
// pods (two backends, a client), each a netns attached by our Multus (thin, from source: the
// bridge cluster network as eth0, the NAD as net1), which writes their network-status to the
// API server and the delegates' libcni cache (with each pod's netns) under `cniDir`. The test
// then marks the pods Running and Ready, as the kubelet would, and starts an HTTP server in each
// backend that answers with its name and the client address it saw.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createNetns, deleteNetns, must, NODE, runAsync, tsImpl, uniqueName } from '@cni-ts/testkit';
import { loadKubeClient, type KubeClient } from '@cni-ts/kube';
import { nadObject, podObject, relayIntoNetns, startStub, writeKubeconfig, type K8sStub, type Relay } from '../../../e2e/src/k8s-stub/index';
import { k8sArgs, oursDir } from '@cni-ts/testkit/multus';

export const NODE_NAME = 'node-a';
export const NAD = 'macvlan-conf';

export interface DemoPod {
  name: string;
  /** netns name (ip -n) and path. */
  ns: string;
  path: string;
  uid: string;
  v4: string;
  v6: string;
}

export interface Demo {
  stub: K8sStub;
  client: KubeClient;
  kubeconfig: string;
  namespace: string;
  cniDir: string;
  node: string;
  pods: Record<'a' | 'b' | 'client', DemoPod>;
  /** Every namespace the demo made (for rule checks). */
  netns: string[];
  close(): Promise<void>;
}

/** HTTP on 8080 (both families): `<name> <client address>`. */
const SERVER = `const http=require('http');const name=process.argv[1];
const s=http.createServer((q,r)=>r.end(name+' '+q.socket.remoteAddress.replace(/^::ffff:/,'')));s.keepAliveTimeout=60000;
s.listen(8080,'::',()=>console.log('ready'));`;

/**
 * One kept-alive connection to a backend: connects until \`want\` answers, prints that answer and
 * its local port, then sends one more request on the same connection per stdin line.
 */
const LONG = `const http=require('http');const [url,want]=[process.argv[1],process.argv[2]];
const get=(a)=>new Promise((ok)=>{const q=http.get(url,{agent:a,timeout:2000},(r)=>{const port=r.socket.localPort;let b='';r.on('data',(d)=>b+=d);r.on('end',()=>ok(b+' '+port));});q.on('timeout',()=>q.destroy(new Error('timeout')));q.on('error',(e)=>ok('error '+e.message));});
(async()=>{let agent;for(let i=0;i<30&&!agent;i++){const a=new http.Agent({keepAlive:true,maxSockets:1});const b=await get(a);if(b.startsWith(want+' ')){agent=a;console.log(b);}else a.destroy();}
if(!agent){console.log('none');process.exit(1);}
require('readline').createInterface({input:process.stdin}).on('line',async()=>console.log(await get(agent))).on('close',()=>agent.destroy());})();`;

const procs: ChildProcessWithoutNullStreams[] = [];
/** Where the set-up time went (printed by the tests). */
export const timings: string[] = [];

function startServer(ns: string, name: string): Promise<void> {
  const p = spawn('ip', ['netns', 'exec', ns, NODE, '-e', SERVER, name]);
  procs.push(p);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server ${name} did not start`)), 20_000);
    createInterface({ input: p.stdout }).once('line', () => {
      clearTimeout(t);
      resolve();
    });
    p.once('exit', (c) => reject(new Error(`server ${name} exited ${c}`)));
  });
}

/** `n` requests with curl from the client pod's netns to `url`, one after the other: the answers ("error N" for failures). */
export function curl(demo: Demo, url: string, n: number): string[] {
  const loop = `for i in $(seq ${n}); do curl -sS -g --max-time 2 "$1" || printf "error $?"; echo; done`;
  return must('ip', ['netns', 'exec', demo.pods.client.ns, 'sh', '-c', loop, 'curl', url]).split('\n').filter((l) => l);
}

/** A kept-alive HTTP connection from the client pod to backend `want` through `url`. */
export function longConnection(demo: Demo, url: string, want: string): { next: () => Promise<string>; close: () => void } {
  const p = spawn('ip', ['netns', 'exec', demo.pods.client.ns, NODE, '-e', LONG, url, want]);
  procs.push(p);
  const lines: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  createInterface({ input: p.stdout }).on('line', (l) => (waiting.length ? waiting.shift()!(l) : lines.push(l)));
  const read = () =>
    new Promise<string>((resolve, reject) => {
      if (lines.length) return resolve(lines.shift()!);
      const t = setTimeout(() => reject(new Error('no answer on the long connection')), 15_000);
      waiting.push((l) => {
        clearTimeout(t);
        resolve(l);
      });
    });
  let first = true;
  return {
    next() {
      if (!first) p.stdin.write('\n');
      first = false;
      return read();
    },
    close: () => p.stdin.end(),
  };
}

export async function startDemo(): Promise<Demo> {
  const dirs: string[] = [];
  const tmp = (tag: string) => {
    const d = mkdtempSync(path.join(tmpdir(), `cnits-msvc-${tag}-`));
    dirs.push(d);
    return d;
  };
  const netns: string[] = [];
  const relays: Relay[] = [];
  const stub = await startStub();
  const close = async () => {
    for (const p of procs.splice(0)) if (p.exitCode === null) p.kill();
    for (const r of relays) await r.close();
    await stub.close();
    for (const n of netns.toReversed()) deleteNetns(n);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  try {
    const conf = tmp('conf');
    const kubeconfig = writeKubeconfig(path.join(conf, 'kubeconfig'), { server: stub.url });
    const client = (await loadKubeClient({ kubeconfig, env: {} }))!;
    const namespace = `demo-${Math.random().toString(36).slice(2, 7)}`;
    const node = uniqueName('node');
    netns.push(node);
    createNetns(node);
    must('ip', ['-n', node, 'link', 'add', 'master0', 'type', 'veth', 'peer', 'name', 'master0p']);
    must('ip', ['-n', node, 'link', 'set', 'master0', 'up']);
    must('ip', ['-n', node, 'link', 'set', 'master0p', 'up']);
    const url = new URL(stub.url);
    const relay = await relayIntoNetns(node, { host: url.hostname, port: Number(url.port) });
    relays.push(relay);
    const nodeKubeconfig = writeKubeconfig(path.join(conf, 'kubeconfig-node'), { server: `http://127.0.0.1:${relay.port}` });

    const ipam = { cluster: tmp('hl-cluster'), macvlan: tmp('hl-macvlan') };
    const clusterFile = path.join(conf, '10-cbr0.conflist');
    writeFileSync(
      clusterFile,
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'cbr0',
        plugins: [{ type: 'bridge', bridge: 'cni0', isGateway: true, isDefaultGateway: true, ipam: { type: 'host-local', subnet: '10.88.0.0/24', dataDir: ipam.cluster } }],
      }),
    );
    await client.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    stub.put(
      'nads',
      nadObject({
        namespace,
        name: NAD,
        config: {
          cniVersion: '1.0.0',
          type: 'macvlan',
          master: 'master0',
          mode: 'bridge',
          ipam: { type: 'host-local', ranges: [[{ subnet: '10.77.0.0/24' }], [{ subnet: 'fd00:77::/64' }]], dataDir: ipam.macvlan },
        },
      }),
    );
    const cniDir = tmp('cache');
    const multusConf = {
      cniVersion: '1.0.0',
      name: 'multus-cni-network',
      type: 'multus',
      kubeconfig: nodeKubeconfig,
      clusterNetwork: clusterFile,
      confDir: conf,
      cniDir,
      binDir: tmp('bin'),
      multusNamespace: namespace,
    };

    // Multus bundled (one file, its delegates inside: ours run in-process), started as the runtime would.
    let t0 = Date.now();
    const multusImpl = await tsImpl('multus');
    timings.push(`bundling multus: ${Date.now() - t0} ms`);
    const attach = async (name: 'a' | 'b' | 'client', app: string): Promise<DemoPod> => {
      const pod = await client.request(
        'POST',
        `/api/v1/namespaces/${namespace}/pods`,
        podObject({ namespace, name: `web-${name}`, nodeName: NODE_NAME, labels: { app }, annotations: { 'k8s.v1.cni.cncf.io/networks': NAD } }),
      );
      const uid = pod.metadata!.uid!;
      const ns = uniqueName(`pod-${name}`);
      netns.push(ns);
      const p = createNetns(ns);
      // No duplicate address detection in these throwaway pods: the plugins would wait ~1 s for each IPv6 address to settle.
      must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_dad=0']);
      // A backend's server listens on every address (net1's comes later): start it while Multus works.
      const server = name === 'client' ? Promise.resolve() : startServer(ns, name.toUpperCase());
      const t = Date.now();
      const out = await runAsync(
        { name: 'ts', argv: ['ip', 'netns', 'exec', node, ...multusImpl.argv] },
        { command: 'ADD', containerId: `sandbox-${name}`, netns: p, ifname: 'eth0', args: k8sArgs(namespace, `web-${name}`, uid, `sandbox-${name}`), path: oursDir() },
        multusConf,
      );
      if (out.code !== 0) throw new Error(`multus ADD for ${name}: ${out.stdout}${out.stderr}`);
      timings.push(`multus ADD ${name}: ${Date.now() - t} ms`);
      await server;
      // The kubelet's part: the pod runs and is ready.
      stub.mutate('pods', namespace, `web-${name}`, (o) => {
        o.status = { ...(o.status as object), phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
      });
      const status = JSON.parse(stub.get('pods', namespace, `web-${name}`)!.metadata!.annotations!['k8s.v1.cni.cncf.io/network-status']!) as { name: string; ips: string[] }[];
      const net1 = status.find((s) => s.name === `${namespace}/${NAD}`)!;
      return { name: `web-${name}`, ns, path: p, uid, v4: net1.ips.find((i) => !i.includes(':'))!, v6: net1.ips.find((i) => i.includes(':'))! };
    };
    const [a, b, c] = await Promise.all([attach('a', 'web'), attach('b', 'web'), attach('client', 'client')]);
    return { stub, client, kubeconfig, namespace, cniDir, node, pods: { a, b, client: c }, netns, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export { until } from '@cni-ts/testkit';

/** What the tools show of ours in each netns: MULTUS-* iptables lines, the nft table, proto-164 routes. */
const RULES = `for ns in "$@"; do ip netns exec "$ns" sh -c '
  { iptables-save -t nat; ip6tables-save -t nat; } | grep MULTUS- | sed "s/^/rule /"
  nft list table inet multus-proxy 2>/dev/null | grep -v "^[[:space:]]*$" | sed "s/^/nft /"
  { ip -4 -o route show table all proto 164; ip -6 -o route show table all proto 164; } | sed "s/ metric [0-9]*//; s/ pref [a-z]*//; s/ *$//; s/^/route /"
' | sed "s|^|$ns: |"; done`;

/** Our rules in the given netns (one shell for all of them), each line prefixed with its netns. */
export function rulesIn(...ns: string[]): string[] {
  return must('sh', ['-c', RULES, 'rules', ...ns]).split('\n').filter((l) => l.trim());
}

/** Our rules in one netns, without the prefix. */
export const ourRules = (ns: string): string[] => rulesIn(ns).map((l) => l.slice(ns.length + 2));

export function service(demo: Demo, name: string, o: { clusterIPs?: string[]; families?: string[]; affinity?: number } = {}) {
  const ips = o.clusterIPs ?? ['10.96.0.10'];
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: demo.namespace,
      labels: { 'service.kubernetes.io/service-proxy-name': 'multus-proxy' },
      annotations: { 'k8s.v1.cni.cncf.io/service-network': NAD },
    },
    spec: {
      selector: { app: 'web' },
      clusterIP: ips[0],
      clusterIPs: ips,
      ipFamilies: o.families ?? ['IPv4'],
      ipFamilyPolicy: ips.length > 1 ? 'RequireDualStack' : 'SingleStack',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
      type: 'ClusterIP',
      ...(o.affinity ? { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: o.affinity } } } : { sessionAffinity: 'None' }),
    },
  };
}
