#!/usr/bin/env node
// `pnpm demo`: the README's main job. Builds the plugins and the `cni-ts` CLI, creates a host
// namespace and two pod namespaces (cnits-demo-<id>-*), wires a bridge network (bridge +
// host-local) and a macvlan network (macvlan + host-local, tuning, route-override) to both pods
// through the CLI, shows their interfaces and routes, pings across both networks, and tears
// everything down again, also on failure or Ctrl-C. The real host namespace is never touched:
// the CLI (and so every plugin) runs inside the demo's host namespace.
//
//   pnpm demo [--exec] [--ours-only] [--keep]
//     --exec       exec every plugin (default: ours run in-process inside the CLI)
//     --ours-only  skip what we have no plugin for, instead of using the Go one from /usr/lib/cni
//     --keep       leave the namespaces up and print how to remove them
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleCli, sourceCliArgv } from '../build/lib/dev-bundle.mjs';
import { networks } from './lib/networks.mjs';
import { GO_DIR, installOurs, resolvePlugins } from './lib/plugins.mjs';
import { bold, dim, green, indent, must, red, run, yellow } from './lib/sh.mjs';
import { bundledLaunchers } from './lib/launchers.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const NODE = process.execPath;
const TYPES = ['bridge', 'host-local', 'portmap', 'firewall', 'macvlan', 'tuning', 'route-override'];
/** pod1 publishes its port 80 on the host's 18080, as `podman run -p 18080:80`. */
const HOST_PORT = 18080;

const { values: opts } = parseArgs({ options: { exec: { type: 'boolean' }, 'ours-only': { type: 'boolean' }, keep: { type: 'boolean' } } });

function fail(msg) {
  process.stderr.write(`${red('demo:')} ${msg}\n`);
  process.exit(1);
}

if (process.getuid?.() !== 0) fail('needs root (it creates network namespaces); run it as root');
if (Number(process.versions.node.split('.')[0]) < 24) fail(`needs Node 24 (this is ${process.version}); run it as \`pnpm demo\``);
if (run(['ip', '-V']).status !== 0) fail('needs iproute2 (`ip`)');

const section = (title) => process.stdout.write(`\n${bold(title)}\n`);
const say = (text) => process.stdout.write(`${text}\n`);
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

const id = randomBytes(2).toString('hex');
const tmp = mkdtempSync(join(tmpdir(), `cnits-demo-${id}-`));
const ns = { host: `cnits-demo-${id}-host`, pods: [`cnits-demo-${id}-pod1`, `cnits-demo-${id}-pod2`], client: `cnits-demo-${id}-client` };
const created = [];
const attached = [];
/** argv of the `cni-ts` CLI (bundled, or from source). */
let cli;
let cliEnv;
let tornDown = false;
/** pid of the web server in pod1 (it would keep pod1's namespace alive). */
let httpd;

/** `cni-ts <args>` inside the demo's host namespace. */
function cniTs(args, extraEnv = {}) {
  return run(['ip', 'netns', 'exec', ns.host, ...cli, ...args], { env: { ...cliEnv, ...extraEnv } });
}

function teardown() {
  if (tornDown) return;
  tornDown = true;
  section('Teardown');
  const errors = [];
  if (httpd) run(['kill', httpd]);
  for (const a of attached.toReversed()) {
    const r = cniTs(['del', a.net.name, `/run/netns/${a.pod}`], { CNI_IFNAME: a.net.ifname });
    if (r.status === 0) say(`  del ${a.net.name} ${a.pod}: ok`);
    else errors.push(`del ${a.net.name} ${a.pod}: ${r.stderr.trim()}`);
  }
  let left = [];
  try {
    left = readdirSync(join(tmp, 'cache', 'results'));
  } catch {
    // no cache dir: nothing was added
  }
  if (attached.length && !errors.length) say(`  result cache: ${left.length ? red(`${left.length} entries left`) : 'empty again'}`);
  for (const name of created.toReversed()) {
    const r = run(['ip', 'netns', 'del', name]);
    if (r.status !== 0) errors.push(`ip netns del ${name}: ${r.stderr.trim()}`);
  }
  if (created.length) say(`  deleted namespaces ${created.join(', ')}`);
  rmSync(tmp, { recursive: true, force: true });
  for (const e of errors) say(`  ${red('error:')} ${e}`);
  return errors.length === 0;
}

// A signal only sets a flag: the steps are synchronous (spawnSync), so main() looks at it at
// every checkpoint and unwinds into the teardown. A Ctrl-C also reaches the child running at
// that moment (same process group), which then fails and unwinds the same way.
let interrupted;
function onSignal(signal) {
  if (!interrupted) process.stderr.write(`\n${yellow(`demo: ${signal}, stopping and cleaning up`)}\n`);
  interrupted = signal;
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

async function checkpoint() {
  await new Promise((r) => setImmediate(r));
  if (interrupted) throw new Error(`interrupted (${interrupted})`);
}

function firstIp(result, prefix) {
  const ip = (result.ips ?? []).map((x) => x.address.split('/')[0]).find((a) => a.startsWith(prefix));
  if (!ip) throw new Error(`no ${prefix}* address in ${JSON.stringify(result)}`);
  return ip;
}

async function main() {
  const t0 = performance.now();
  section('Build');
  try {
    cli = [NODE, await bundleCli(ROOT, join(tmp, 'cli'))];
    say(`  cni-ts CLI bundled from packages/chain/src (${secs(performance.now() - t0)})`);
  } catch (err) {
    // A package that does not bundle right now (work in progress) only costs the fast start:
    // from source, each plugin is imported when used, and one that fails to load is exec'd.
    cli = sourceCliArgv(ROOT, NODE);
    say(`  ${yellow('the CLI does not bundle')} (${String(err.message).split('\n')[0]}); running it from source`);
  }
  await checkpoint();
  const bin = join(tmp, 'bin');
  const inst = installOurs(ROOT, NODE, bin);
  await checkpoint();
  if (inst.ok) {
    say(`  plugins: ${inst.log.split('\n').at(-1)} (${secs(inst.seconds * 1000)})`);
  } else {
    say(`  ${yellow('pnpm cni install failed')}; running each plugin bundled from source instead:\n${dim(indent(inst.log.split('\n').slice(-5).join('\n')))}`);
    for (const f of await bundledLaunchers(ROOT, NODE, bin, TYPES)) say(`  ${yellow(`${f.name} does not bundle:`)} ${f.error}`);
  }
  const plugins = resolvePlugins(TYPES, bin, { oursOnly: opts['ours-only'] });
  const tDemo = performance.now();

  section('Plugins');
  for (const [type, p] of Object.entries(plugins)) {
    const how = p.from === 'ours' ? green(opts.exec ? 'ours, exec' : 'ours, in-process') : p.from === 'go' ? yellow(`Go reference plugin ${p.path} (ours is not built yet)`) : red('SKIPPED: no plugin available');
    say(`  ${type.padEnd(15)} ${how}`);
  }
  const usesGo = Object.values(plugins).some((p) => p.from === 'go');
  cliEnv = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    NETCONFPATH: join(tmp, 'net.d'),
    CNI_PATH: usesGo ? `${bin}:${GO_DIR}` : bin,
    CNI_TS_CACHE_DIR: join(tmp, 'cache'),
    CNI_TS_VERBOSE: '1',
    CNI_TS_TIMEOUT: '20',
    ...(opts.exec ? { CNI_TS_EXEC: '1' } : {}),
  };

  section('Namespaces');
  for (const name of [ns.host, ...ns.pods, ns.client]) {
    await checkpoint();
    must(['ip', 'netns', 'add', name]);
    created.push(name);
  }
  // The macvlan master: one end of a veth pair inside the demo's host namespace.
  const master = 'mvmaster0';
  must(['ip', '-n', ns.host, 'link', 'add', master, 'type', 'veth', 'peer', 'name', 'mvpeer0']);
  must(['ip', '-n', ns.host, 'link', 'set', master, 'up']);
  must(['ip', '-n', ns.host, 'link', 'set', 'mvpeer0', 'up']);
  // The client: another machine on the host's uplink (10.204.0.0/24), for the published port.
  must(['ip', '-n', ns.host, 'link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.client]);
  must(['ip', '-n', ns.host, 'addr', 'add', '10.204.0.1/24', 'dev', 'uplink0']);
  must(['ip', '-n', ns.host, 'link', 'set', 'uplink0', 'up']);
  must(['ip', '-n', ns.client, 'addr', 'add', '10.204.0.2/24', 'dev', 'eth0']);
  must(['ip', '-n', ns.client, 'link', 'set', 'eth0', 'up']);
  must(['ip', '-n', ns.client, 'link', 'set', 'lo', 'up']);
  must(['ip', '-n', ns.host, 'link', 'set', 'lo', 'up']);
  must(['ip', 'netns', 'exec', ns.host, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  say(`  host ${ns.host} (macvlan master ${master}, uplink 10.204.0.1), pods ${ns.pods.join(', ')}, client ${ns.client} (10.204.0.2)`);

  // The Go plugins here (1.1.1) speak up to spec 1.0.0; ours 1.1.0.
  const cniVersion = usesGo ? '1.0.0' : '1.1.0';
  const nets = networks({ id, tmp, master, has: (t) => plugins[t]?.from !== 'missing', cniVersion });
  mkdirSync(join(tmp, 'net.d'));
  for (const n of nets) {
    for (const s of n.skipped) say(`  ${yellow('skipped:')} ${s} in ${n.name}`);
    if (n.conflist) writeFileSync(join(tmp, 'net.d', `10-${n.name}.conflist`), `${JSON.stringify(n.conflist, null, 2)}\n`);
  }
  const active = nets.filter((n) => n.conflist);

  section('ADD (cni-ts add <network> <netns>, run in the host namespace)');
  const results = {};
  for (const [i, pod] of ns.pods.entries()) {
    for (const net of active) {
      await checkpoint();
      const capArgs =
        net.ifname === 'net1'
          ? { CAP_ARGS: JSON.stringify({ mac: `0e:de:${id.slice(0, 2)}:${id.slice(2)}:00:0${i + 1}` }) }
          : i === 0
            ? { CAP_ARGS: JSON.stringify({ portMappings: [{ hostPort: HOST_PORT, containerPort: 80, protocol: 'tcp' }] }) }
            : {};
      const r = cniTs(['add', net.name, `/run/netns/${pod}`], { CNI_IFNAME: net.ifname, ...capArgs });
      if (r.status !== 0) throw new Error(`add ${net.name} ${pod}: ${r.stderr.trim()}`);
      attached.push({ pod, net });
      const result = JSON.parse(r.stdout);
      results[`${pod}/${net.name}`] = result;
      const ips = (result.ips ?? []).map((x) => x.address).join(', ');
      say(`  ${pod} ${net.ifname} on ${net.name}: ${green(ips)}`);
      say(dim(indent(r.stderr.replace(/^cni-ts: /gm, ''), '      ')));
    }
  }

  section('Interfaces and routes');
  for (const pod of ns.pods) {
    say(`  ${bold(pod)}`);
    say(indent(must(['ip', '-n', pod, '-br', 'addr', 'show'])));
    say(indent(must(['ip', '-n', pod, 'route', 'show'])));
    for (const l of JSON.parse(must(['ip', '-n', pod, '-j', 'link', 'show']))) {
      if (l.ifname !== 'lo') say(dim(`    ${l.ifname}: mtu ${l.mtu}, mac ${l.address}`));
    }
  }
  say(`  ${bold(ns.host)}`);
  say(indent(must(['ip', '-n', ns.host, '-br', 'link', 'show'])));

  section('CHECK');
  for (const a of attached) {
    await checkpoint();
    const r = cniTs(['check', a.net.name, `/run/netns/${a.pod}`], { CNI_IFNAME: a.net.ifname });
    if (r.status !== 0) throw new Error(`check ${a.net.name} ${a.pod}: ${r.stderr.trim()}`);
  }
  say(`  ${attached.length} attachments: ok`);

  section('Ping across');
  const [pod1, pod2] = ns.pods;
  for (const net of active) {
    await checkpoint();
    const dst = firstIp(results[`${pod2}/${net.name}`], net.ifname === 'eth0' ? '10.201.' : '10.202.');
    const r = run(['ip', 'netns', 'exec', pod1, 'ping', '-c', '1', '-W', '2', dst]);
    const line = r.stdout.split('\n').find((l) => l.includes('bytes from')) ?? r.stdout.trim().split('\n').at(-1);
    if (r.status !== 0) throw new Error(`ping ${pod1} -> ${dst} (${net.name}) failed: ${line}`);
    say(`  ${pod1} -> ${dst} over ${net.ifname} (${net.name}): ${green(line.trim())}`);
  }

  if (plugins.portmap?.from !== 'missing') {
    section(`Port mapping (pod1's port 80 published on the host's ${HOST_PORT}, like podman run -p ${HOST_PORT}:80)`);
    const www = join(tmp, 'www');
    mkdirSync(www);
    writeFileSync(join(www, 'index.html'), `hello from ${pod1}\n`);
    httpd = must(['ip', 'netns', 'exec', pod1, 'sh', '-c', `busybox httpd -f -p 80 -h ${www} >/dev/null 2>&1 & echo $!`]).trim();
    const bridgeNet = active.find((n) => n.ifname === 'eth0');
    const pod1Ip = firstIp(results[`${pod1}/${bridgeNet.name}`], '10.201.');
    for (const [from, url, what] of [
      [ns.client, `http://10.204.0.1:${HOST_PORT}/`, 'client namespace -> host address'],
      [ns.host, `http://127.0.0.1:${HOST_PORT}/`, 'host -> 127.0.0.1'],
      [pod2, `http://10.201.0.1:${HOST_PORT}/`, 'pod2 -> host port'],
      [pod1, `http://10.201.0.1:${HOST_PORT}/`, 'pod1 -> its own host port (hairpin)'],
    ]) {
      await checkpoint();
      let r;
      for (let i = 0; i < 10 && r?.status !== 0; i++) r = run(['ip', 'netns', 'exec', from, 'curl', '-sS', '--max-time', '3', url]);
      if (r.status !== 0) throw new Error(`${what}: ${url}: ${r.stderr.trim()}`);
      say(`  ${what.padEnd(36)} ${url.padEnd(28)} ${green(r.stdout.trim())}`);
    }
    say(dim(indent(must(['ip', 'netns', 'exec', ns.host, 'iptables', '-t', 'nat', '-S']).split('\n').filter((l) => l.includes(pod1Ip) || l.includes('HOSTPORT-DNAT -p')).join('\n'), '    ')));
  }

  await checkpoint();
  if (opts.keep) {
    section('Kept');
    say(`  namespaces ${created.join(' ')}; remove with: ip netns del <name>; state in ${tmp}`);
    return;
  }
  const ok = teardown();
  section(ok ? green('Demo done') : red('Demo done, with teardown errors'));
  say(`  demo ${secs(performance.now() - tDemo)} (build ${secs(tDemo - t0)})`);
  if (!ok) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  // A Ctrl-C also killed the child that was running: let its signal handler run first.
  await new Promise((r) => setImmediate(r));
  const why = interrupted && !String(err?.message).startsWith('interrupted') ? `interrupted (${interrupted})` : err instanceof Error ? err.message : String(err);
  process.stderr.write(`\n${red('demo failed:')} ${why}\n`);
  if (!opts.keep) teardown();
  process.exitCode = interrupted ? 130 : 1;
}
