// The `cni-ts` command: cnitool's verbs and environment over CniConfig, plus `validate`.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatResult } from '@cni-ts/cni';
import { CniConfig } from '../cni';
import { ConfError, ConfigFileError } from '../conf/errors';
import { loadConfList } from '../conf/load';
import type { GcAttachment, RuntimeConf } from '../types';
import { containerIdFor, DEFAULT_NET_DIR, readCliEnv } from './env';
import { USAGE } from './usage';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

const VERBS = ['add', 'check', 'del', 'gc', 'status'] as const;
type Verb = (typeof VERBS)[number];

function parseValid(values: string[]): GcAttachment[] {
  return values.map((v) => {
    const at = v.lastIndexOf('/');
    if (at <= 0 || at === v.length - 1) throw new Error(`--valid wants CONTAINERID/IFNAME, got ${JSON.stringify(v)}`);
    return { containerID: v.slice(0, at), ifname: v.slice(at + 1) };
  });
}

function timeoutMs(flag: string | undefined, env: string | undefined): number | undefined {
  const raw = flag ?? env;
  if (raw === undefined || raw === '') return undefined;
  const secs = Number(raw);
  if (!Number.isFinite(secs) || secs <= 0) throw new Error(`invalid timeout ${JSON.stringify(raw)} (seconds)`);
  return Math.round(secs * 1000);
}

async function validate(files: string[], io: Io): Promise<number> {
  const { validateFile, formatFinding } = await import('./validate');
  let errors = 0;
  for (const file of files) {
    const { list, findings } = await validateFile(file);
    // One report on stdout, in order; the exit status tells whether there were errors.
    for (const f of findings) io.stdout(`${formatFinding(f)}\n`);
    const n = findings.filter((f) => f.severity === 'error').length;
    errors += n;
    if (list && n === 0) {
      const types = list.plugins.map((p) => p.network.type).join(', ');
      io.stdout(`${file}: ok (network ${JSON.stringify(list.name)}, cniVersion ${JSON.stringify(list.cniVersion)}, plugins: ${types})\n`);
    }
  }
  return errors ? 1 : 0;
}

async function runVerb(verb: Verb, positionals: string[], values: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>, io: Io): Promise<number> {
  const needsNetns = verb === 'add' || verb === 'check' || verb === 'del';
  if (positionals.length < (needsNetns ? 2 : 1)) {
    io.stderr(USAGE);
    return 1;
  }
  const [network, netnsArg = ''] = positionals as [string, string?];
  // cnitool's order: the config first, then CAP_ARGS and CNI_ARGS.
  const netDir = env.NETCONFPATH || DEFAULT_NET_DIR;
  const list = loadConfList(netDir, network);
  const { versionProblem } = await import('./validate');
  const vp = versionProblem(list.cniVersion);
  if (vp) throw new ConfigFileError(list.path ?? netDir, new ConfError(vp, { field: 'cniVersion' }));
  const e = readCliEnv(env, values.ifname as string | undefined);
  const verbose = !!values.verbose || env.CNI_TS_VERBOSE === '1';
  const cni = new CniConfig({
    path: e.cniPath,
    cacheDir: (values['cache-dir'] as string | undefined) || env.CNI_TS_CACHE_DIR || undefined,
    inProcess: !(values.exec || env.CNI_TS_EXEC === '1'),
    timeoutMs: timeoutMs(values.timeout as string | undefined, env.CNI_TS_TIMEOUT),
    onStderr: (t) => io.stderr(t.endsWith('\n') ? t : `${t}\n`),
    onRun: verbose ? (r) => io.stderr(`cni-ts: ${r.command} ${r.type} ${r.mode} (${r.path}) ${r.ms} ms\n`) : undefined,
  });
  const netns = netnsArg ? path.resolve(netnsArg) : '';
  const rt: RuntimeConf = { containerId: netns ? containerIdFor(netns) : '', netns, ifName: e.ifName, args: e.args, capabilityArgs: e.capabilityArgs };
  switch (verb) {
    case 'add': {
      const result = await cni.addNetworkList(list, rt);
      if (result) io.stdout(formatResult(result));
      return 0;
    }
    case 'check':
      await cni.checkNetworkList(list, rt);
      return 0;
    case 'del':
      await cni.delNetworkList(list, rt);
      return 0;
    case 'gc': {
      const valid = values.valid as string[] | undefined;
      await cni.gcNetworkList(list, valid?.length ? { validAttachments: parseValid(valid) } : undefined);
      return 0;
    }
    case 'status':
      await cni.getStatusNetworkList(list);
      return 0;
  }
}

/** Runs one command line; returns the exit status. Errors are one line on stderr, never a stack. */
export async function main(argv: string[], env: Readonly<Record<string, string | undefined>>, io: Io): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ifname: { type: 'string', short: 'i' },
        'cache-dir': { type: 'string' },
        timeout: { type: 'string' },
        exec: { type: 'boolean' },
        valid: { type: 'string', multiple: true },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const [verb, ...rest] = positionals;
    if (values.help || verb === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    if (verb === 'validate') {
      if (rest.length === 0) throw new Error('validate needs at least one file');
      return await validate(rest, io);
    }
    if (!verb || !(VERBS as readonly string[]).includes(verb)) {
      io.stderr(verb ? `cni-ts: unknown command ${JSON.stringify(verb)}\n${USAGE}` : USAGE);
      return 1;
    }
    return await runVerb(verb as Verb, rest, values, env, io);
  } catch (err) {
    if (env.CNI_TS_DEBUG && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    io.stderr(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
