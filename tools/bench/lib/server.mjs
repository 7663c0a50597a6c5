// The resident server in the bench: started once from the installed binary (`cni-ts served`
// column of the tables), plus its own section: the whole memory of a 64-way burst (every process
// of it, ours served, ours exec'd and Go's) and the server's RSS through many ADD/DEL cycles.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { decodeResponse, encodeBody, encodeHello } from '../../../packages/server/src/protocol.ts';
import { haveTime, withRss } from './rss.mjs';
import { runBatch } from './spawn.mjs';

const BURST = 64;

/** Starts `binary serve --socket socket`; resolves once it listens. */
export function startServer(binary, socket) {
  const child = spawn(binary, ['serve', '--socket', socket], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (log += d));
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (log.includes(socket) && existsSync(socket)) {
        clearInterval(t);
        resolve({
          pid: child.pid,
          socket,
          binary,
          buildId: /build ([0-9a-f]+)/.exec(log)?.[1] ?? '',
          stop: () => child.exitCode === null && child.kill('SIGTERM'),
        });
      } else if (child.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`the server exited: ${log}`));
      }
    }, 20);
  });
}

const kib = (pid, field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

/** One call over the protocol from this process (no launcher): resolves to the response. */
function request(server, plugin, env, stdin) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(server.socket);
    let buf = Buffer.alloc(0);
    let accepted = false;
    sock.on('connect', () => sock.write(encodeHello({ buildId: server.buildId, plugin })));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!accepted && buf.length >= 1) {
        if (buf[0] !== 0x59) return reject(new Error('refused'));
        accepted = true;
        buf = buf.subarray(1);
        sock.write(encodeBody(Object.entries(env).map(([k, v]) => `${k}=${v}`), Buffer.from(stdin)));
      }
    });
    sock.on('end', () => {
      const r = decodeResponse(buf);
      if (!r || r === 'fallback') reject(new Error(`no answer (${r})`));
      else resolve(r);
    });
    sock.on('error', reject);
  });
}

function sumRss(jobs, netns) {
  const wrapped = jobs.map(withRss);
  const r = runBatch(
    wrapped.map((w) => w.job),
    { netns },
  );
  const bad = r.results.find((x) => x.code !== 0);
  if (bad) throw new Error(`a burst call failed: ${bad.stdout}${bad.stderr}`);
  return wrapped.map((w) => w.read()).reduce((a, b) => a + b, 0) / 1024;
}

export async function serverSection(ctx, server, opts) {
  const ns = ctx.netns('srv');
  const lines = [];
  try {
    // 1. Whole-burst memory: 64 host-local ADDs at once, then their DELs.
    const rows = [];
    if (haveTime()) {
      for (const impl of ['Go', 'cni-ts', 'cni-ts served']) {
        const bin = ctx.bin(impl, 'host-local');
        if (!bin) continue;
        const dataDir = join(ctx.tmp, `burst-${impl.replaceAll(' ', '-')}`);
        mkdirSync(dataDir, { recursive: true });
        const stdin = JSON.stringify({ cniVersion: '1.0.0', name: 'bench-burst', ipam: { type: 'host-local', subnet: '10.76.0.0/16', dataDir } });
        const jobs = (cmd) =>
          Array.from({ length: BURST }, (_, i) => ({
            cmd: [bin],
            stdin,
            env: ctx.env({ CNI_COMMAND: cmd, CNI_CONTAINERID: `burst-${i}`, CNI_NETNS: ns.path, CNI_IFNAME: 'eth0', CNI_PATH: ctx.dir(impl) }),
          }));
        const served = impl === 'cni-ts served';
        if (served) writeFileSync(`/proc/${server.pid}/clear_refs`, '5'); // resets VmHWM
        const before = served ? kib(server.pid, 'VmRSS') / 1024 : 0;
        const add = sumRss(jobs('ADD'));
        const serverPeak = served ? kib(server.pid, 'VmHWM') / 1024 : 0;
        sumRss(jobs('DEL'));
        rows.push({ impl, processes: add, server: serverPeak, before, total: add + serverPeak });
      }
    }
    const go = rows.find((r) => r.impl === 'Go')?.total;
    lines.push(
      `Resident server (packages/server; \`--no-server\` skips it). Whole-burst memory: ${BURST} host-local ADDs started at once; the sum of every process's peak RSS (GNU time) plus, served, the server's peak RSS during the burst (VmHWM, reset before it). An upper bound: not all peaks coincide.`,
      '',
      '| | processes, MiB | server, MiB (before → peak) | total, MiB | ÷ Go |',
      '|---|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.impl} | ${r.processes.toFixed(1)} | ${r.impl === 'cni-ts served' ? `${r.before.toFixed(1)} → ${r.server.toFixed(1)}` : ''} | ${r.total.toFixed(1)} | ${go ? (r.total / go).toFixed(2) : '–'}× |`,
      ),
    );

    // 2. The server's RSS through many ADD/DEL cycles (host-local, over the protocol from here).
    const cycles = opts.serverCycles;
    if (cycles > 0) {
      const dataDir = join(ctx.tmp, 'server-cycles');
      mkdirSync(dataDir, { recursive: true });
      const stdin = JSON.stringify({ cniVersion: '1.0.0', name: 'bench-cycles', ipam: { type: 'host-local', subnet: '10.75.0.0/16', dataDir } });
      const env = (cmd) => ({ ...ctx.env({}), CNI_COMMAND: cmd, CNI_CONTAINERID: 'cycle', CNI_NETNS: ns.path, CNI_IFNAME: 'eth0', CNI_PATH: ctx.dir('cni-ts served') });
      const marks = {};
      const at = new Set([100, 1000, cycles]);
      const t0 = Date.now();
      for (let i = 1; i <= cycles; i++) {
        for (const cmd of ['ADD', 'DEL']) {
          const r = await request(server, 'host-local', env(cmd), stdin);
          if (r.status !== 0) throw new Error(`cycle ${i} ${cmd}: ${Buffer.from(r.stdout).toString()}`);
        }
        if (at.has(i)) marks[i] = kib(server.pid, 'VmRSS') / 1024;
      }
      const perCycle = (Date.now() - t0) / cycles;
      const growth = (marks[cycles] / marks[100] - 1) * 100;
      lines.push(
        '',
        `Server RSS through ${cycles} host-local ADD/DEL cycles over its socket (\`--server-cycles\`): ${Object.entries(marks)
          .map(([n, m]) => `${m.toFixed(1)} MiB after ${n}`)
          .join(', ')}; ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} % from 100 to ${cycles} (target: within 10 %); ${perCycle.toFixed(2)} ms per cycle.`,
      );
    }
  } finally {
    ctx.deleteNetns(ns);
  }
  return lines.join('\n');
}
