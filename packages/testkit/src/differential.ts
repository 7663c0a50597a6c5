// The pieces differential tests of the main plugins share: a sequence of CNI calls run against
// one implementation in one host/container pair, each call's output in a form comparable across
// implementations, and the container state less what upstream itself changed after the oracle
// (Debian's 1.1.1).
import type { TestEnv } from './env';
import { cni, nsState, type PluginImpl } from './plugin-harness';
import type { CniCall, ProcOut } from './proc';

export interface DiffStep {
  /** CNI_NETNS is the container's unless the step names one ('' for none) */
  call: Omit<CniCall, 'netns'> & { netns?: string };
  /** the config, given the step run's host-local data directory */
  conf: (dir: string) => Record<string, unknown>;
  /** send the last successful ADD's result as prevResult */
  prev?: boolean;
}

export interface DiffRun {
  /** a call's output as compared (default: `comparable`) */
  normal?: (r: ProcOut, env: TestEnv) => unknown;
  /** what is compared after each step */
  state: (env: TestEnv) => unknown;
  /** put between `ip netns exec <host>` and the plugin */
  wrap?: string[];
}

/** Runs `steps` of `impl` in `env` with host-local data in `dir`: the outputs and the state after each. */
export function runDiffSteps(impl: PluginImpl, env: TestEnv, dir: string, steps: DiffStep[], run: DiffRun) {
  const normal = run.normal ?? ((r: ProcOut, e: TestEnv) => comparable(r, { sandbox: e.container.path }));
  const outputs: unknown[] = [];
  const states: unknown[] = [];
  let last: Record<string, unknown> | undefined;
  for (const s of steps) {
    const conf = s.conf(dir);
    if (s.prev) conf.prevResult = last;
    const r = cni(impl, env.host.name, { ...s.call, netns: s.call.netns ?? env.container.path }, conf, run.wrap);
    if (s.call.command === 'ADD' && r.code === 0) last = r.json;
    outputs.push(normal(r, env));
    states.push(run.state(env));
  }
  return { outputs, states };
}

export interface ComparableOptions {
  /** the container's netns path, replaced by `<netns>` */
  sandbox?: string;
  /** rewrites an error's msg (texts upstream changed after the oracle) */
  msg?: (msg: string) => string;
  /** replace MACs in results (random ones); default true */
  macs?: boolean;
}

/**
 * A call's output as compared with the oracle's: the exit code; an error's code and msg (our
 * `details` left out); a result with the sandbox path (when given) and MACs replaced and the empty `dns` of
 * 1.x results that CNI lib 1.1.2 prints dropped.
 */
export function comparable(r: ProcOut, opts: ComparableOptions = {}): unknown {
  if (!r.json) return { exit: r.code };
  if ('code' in r.json) return { exit: r.code, code: r.json.code, msg: opts.msg ? opts.msg(String(r.json.msg)) : r.json.msg };
  let text = JSON.stringify(r.json);
  if (opts.sandbox) text = text.replaceAll(opts.sandbox, '<netns>');
  if (opts.macs !== false) text = text.replace(/"mac":"[0-9a-f:]+"/g, '"mac":"<mac>"');
  const out = JSON.parse(text) as Record<string, unknown>;
  if (out.dns && Object.keys(out.dns).length === 0 && !String(out.cniVersion).startsWith('0.')) delete out.dns;
  return { exit: r.code, ...out };
}

/** The container's state (`nsState`) without what upstream changed after 1.1.1: qlen 0 links, ndisc_notify, keep_addr_on_down. */
export function containerState(env: TestEnv, ifname = 'eth0') {
  const s = nsState(env.container.name, { sysctlIfs: [ifname] });
  for (const l of s.links) delete l.txqlen;
  delete s.sysctls[`net/ipv6/conf/${ifname}/ndisc_notify`];
  delete s.sysctls[`net/ipv6/conf/${ifname}/keep_addr_on_down`];
  return s;
}
