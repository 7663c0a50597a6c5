// A multus-service-style proxy built with the nf_tables layer, against real traffic: in a client
// namespace, a service address (IPv4 and IPv6) is DNAT'ed to two backend namespaces at random
// (numgen + verdict map), with session affinity (a dynamic set per endpoint, refreshed by
// `update`), and the endpoints are changed without disturbing an established connection.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { NODE, checkLeaks, must, testEnv } from '@cni-ts/testkit';
import { NftTransaction, nftMatch as m, nftSets as sets, nftStmt as s, openNetfilterHandle, type NetfilterHandle, type NftFamily } from '../src/index';

const T = { family: 'inet' as NftFamily, table: 'cnits_svc' };
const HOURS3 = 3 * 3600 * 1000;

const SERVER = `const net=require('net');const name=process.argv[1];
net.createServer((c)=>{c.write(name+'\\n');c.on('data',(d)=>c.write(d));c.on('error',()=>{});}).listen(8080,'::',()=>console.log('ready'));`;

/** Connects `n` times, one after the other; prints the backends' names as JSON. */
const CLIENT = `const net=require('net');const [host,n]=[process.argv[1],+process.argv[2]];const out=[];
const one=()=>new Promise((ok,ko)=>{const c=net.connect(80,host);c.setTimeout(3000,()=>ko(new Error('timeout')));c.once('data',(d)=>{out.push(String(d).trim());c.destroy();ok();});c.on('error',ko);});
(async()=>{for(let i=0;i<n;i++)await one();console.log(JSON.stringify(out));})().catch((e)=>{console.error(e.message);process.exit(1);});`;

/** Connects once and stays: prints the backend's name, then echoes each stdin line through the connection. */
const LONG = `const net=require('net');const c=net.connect(80,process.argv[1]);let first=true;
c.on('data',(d)=>{for(const l of String(d).trim().split('\\n')){console.log((first?'name ':'echo ')+l);first=false;}});
c.on('error',(e)=>{console.log('error '+e.message);process.exit(1);});
require('readline').createInterface({input:process.stdin}).on('line',(l)=>c.write(l+'\\n')).on('close',()=>c.destroy());`;

function startIn(ns: string, code: string, ...args: string[]): { proc: ChildProcessWithoutNullStreams; next: () => Promise<string> } {
  const proc = spawn('ip', ['netns', 'exec', ns, NODE, '-e', code, ...args]);
  const lines: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  createInterface({ input: proc.stdout }).on('line', (l) => {
    const w = waiting.shift();
    if (w) w(l);
    else lines.push(l);
  });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const l = lines.shift();
      if (l !== undefined) return resolve(l);
      const timer = setTimeout(() => reject(new Error(`no output from ${code.slice(0, 40)}...`)), 10_000);
      waiting.push((x) => {
        clearTimeout(timer);
        resolve(x);
      });
    });
  return { proc, next };
}

function up(ns: string, dev: string, ...addrs: string[]): void {
  for (const x of addrs) must('ip', ['-n', ns, 'addr', 'add', x, 'dev', dev, ...(x.includes(':') ? ['nodad'] : [])]);
  must('ip', ['-n', ns, 'link', 'set', dev, 'up']);
}

const connect = (ns: string, host: string, n: number): string[] => JSON.parse(must('ip', ['netns', 'exec', ns, NODE, '-e', CLIENT, host, String(n)])) as string[];

/** The service chains of one family: affinity sets, endpoint chains, the load-balancing rule. */
function addService(tx: NftTransaction, v: 4 | 6, svc: string, vip: string, backends: readonly [string, string][], affinity: boolean): void {
  const fam = `${svc}${v}`;
  tx.addChain({ ...T, name: fam });
  tx.addRule({ ...T, chain: 'output', exprs: [...m.addr('inet', 'daddr', vip), ...m.port('tcp', 'dport', 80), ...s.verdict({ jump: fam })] });
  const eps = backends.map(([name, ip]) => {
    const chain = `${fam}-${name}`;
    tx.addChain({ ...T, name: chain });
    const aff = affinity ? tx.addSet(sets.affinitySet(T, `${chain}-aff`, v, HOURS3)) : undefined;
    tx.addRule({ ...T, chain, exprs: [...(aff ? s.updateSet('inet', v, 'saddr', aff) : []), ...m.l4proto('tcp'), ...s.dnat('inet', ip, 8080)] });
    if (aff) tx.addRule({ ...T, chain: fam, exprs: [...m.addrInSet('inet', v, 'saddr', aff), ...s.verdict({ goto: chain })] });
    return chain;
  });
  const map = tx.addSet(sets.anonNumgenVmap(T, eps.map((c) => ({ goto: c }))));
  tx.addRule({ ...T, chain: fam, comment: 'lb', exprs: s.numgenVmap(eps.length, map) });
}

/** Points the service's load-balancing rule at other endpoint chains, in place (one transaction). */
function rebalance(h: NetfilterHandle, chain: string, eps: readonly string[]): void {
  const [lb] = h.nftFindRules({ ...T, name: chain }, 'lb');
  const tx = new NftTransaction();
  const map = tx.addSet(sets.anonNumgenVmap(T, eps.map((c) => ({ goto: c }))));
  tx.replaceRule({ ...T, chain, handle: lb!.handle!, comment: 'lb', exprs: s.numgenVmap(eps.length, map) });
  h.nftCommit(tx);
}

describe('a service proxy on nf_tables (multus-service)', () => {
  checkLeaks();

  it('DNATs to random backends with session affinity, IPv4 and IPv6, and re-balances without breaking connections', async () => {
    const env = testEnv();
    const client = env.container;
    const a = env.extra('ba');
    const b = env.extra('bb');
    must('ip', ['-n', client.name, 'link', 'add', 'to-a', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', a.name]);
    must('ip', ['-n', client.name, 'link', 'add', 'to-b', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', b.name]);
    up(client.name, 'to-a', '10.61.1.1/24', 'fd00:61:1::1/64');
    up(client.name, 'to-b', '10.61.2.1/24', 'fd00:61:2::1/64');
    up(a.name, 'eth0', '10.61.1.2/24', 'fd00:61:1::2/64');
    up(b.name, 'eth0', '10.61.2.2/24', 'fd00:61:2::2/64');
    // The service addresses need a route for the first lookup; DNAT then re-routes, keeping the
    // source address of the first route: the backends answer through the client.
    must('ip', ['-n', client.name, 'route', 'add', '10.96.0.0/16', 'dev', 'to-a']);
    must('ip', ['-n', client.name, '-6', 'route', 'add', 'fd00:96::/64', 'dev', 'to-a']);
    for (const [ns, n] of [
      [a.name, 1],
      [b.name, 2],
    ] as const) {
      must('ip', ['-n', ns, 'route', 'add', 'default', 'via', `10.61.${n}.1`]);
      must('ip', ['-n', ns, '-6', 'route', 'add', 'default', 'via', `fd00:61:${n}::1`]);
    }

    const procs: ChildProcessWithoutNullStreams[] = [];
    const h = openNetfilterHandle(client.path);
    try {
      for (const [ns, name] of [
        [a.name, 'A'],
        [b.name, 'B'],
      ] as const) {
        const srv = startIn(ns, SERVER, name);
        procs.push(srv.proc);
        expect(await srv.next()).toBe('ready');
      }

      const tx = new NftTransaction()
        .addTable({ family: 'inet', name: T.table })
        .addChain({ ...T, name: 'output', type: 'nat', hook: 'output', priority: -100 });
      const v4: [string, string][] = [['a', '10.61.1.2'], ['b', '10.61.2.2']];
      const v6: [string, string][] = [['a', 'fd00:61:1::2'], ['b', 'fd00:61:2::2']];
      addService(tx, 4, 'sticky', '10.96.0.10', v4, true);
      addService(tx, 6, 'sticky', 'fd00:96::10', v6, true);
      addService(tx, 4, 'spread', '10.96.0.11', v4, false);
      addService(tx, 6, 'spread', 'fd00:96::11', v6, false);
      h.nftCommit(tx);

      // Without affinity both backends answer; with it, every connection goes where the first went.
      for (const vip of ['10.96.0.11', 'fd00:96::11']) expect(new Set(connect(client.name, vip, 16)), vip).toEqual(new Set(['A', 'B']));
      for (const vip of ['10.96.0.10', 'fd00:96::10']) expect(new Set(connect(client.name, vip, 8)).size, vip).toBe(1);
      const stuck = h.nftListElements({ ...T, name: 'sticky4-a-aff' }).length + h.nftListElements({ ...T, name: 'sticky4-b-aff' }).length;
      expect(stuck).toBe(1);

      // An established connection keeps its backend when the service moves to the other one.
      for (const [vip, chain] of [
        ['10.96.0.11', 'spread4'],
        ['fd00:96::11', 'spread6'],
      ] as const) {
        const long = startIn(client.name, LONG, vip);
        procs.push(long.proc);
        const first = (await long.next()).replace(/^name /, '');
        const other = first === 'A' ? 'b' : 'a';
        rebalance(h, chain, [`${chain}-${other}`]);
        expect(new Set(connect(client.name, vip, 6)), vip).toEqual(new Set([other.toUpperCase()]));
        long.proc.stdin.write('still here\n');
        expect(await long.next(), vip).toBe('echo still here');
        long.proc.stdin.end();
      }
    } finally {
      h.close();
      for (const p of procs) if (p.exitCode === null) p.kill();
    }
  });
});
