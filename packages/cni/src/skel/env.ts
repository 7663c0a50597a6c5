// skel's getCmdArgsFromEnv: which variables each command needs, in the reference order.
import { CniError, ErrCode } from '../errors';
import { validateContainerId, validateInterfaceName } from '../validate';

export type Env = Readonly<Record<string, string | undefined>>;

export interface EnvArgs {
  command: string;
  containerId: string;
  netns: string;
  ifname: string;
  args: string;
  path: string;
  netnsOverride: string;
}

type Validator = (v: string) => CniError | undefined;

interface VarSpec {
  name: string;
  key: keyof EnvArgs;
  required: readonly string[];
  validate?: Validator;
}

// The walk order is the reference's; it decides which error wins and the order of names
// in "required env variables [...] missing".
const VARS: readonly VarSpec[] = [
  { name: 'CNI_COMMAND', key: 'command', required: ['ADD', 'CHECK', 'DEL', 'GC', 'STATUS'] },
  { name: 'CNI_CONTAINERID', key: 'containerId', required: ['ADD', 'CHECK', 'DEL'], validate: validateContainerId },
  { name: 'CNI_NETNS', key: 'netns', required: ['ADD', 'CHECK'] },
  { name: 'CNI_IFNAME', key: 'ifname', required: ['ADD', 'CHECK', 'DEL'], validate: validateInterfaceName },
  { name: 'CNI_ARGS', key: 'args', required: [] },
  { name: 'CNI_PATH', key: 'path', required: ['ADD', 'CHECK', 'DEL', 'GC', 'STATUS'] },
  { name: 'CNI_NETNS_OVERRIDE', key: 'netnsOverride', required: [] },
];

/**
 * Reads the CNI_* variables. A present variable that the command requires is validated at
 * once (so a bad container id wins over later missing variables); missing ones are collected
 * into code 4 `required env variables [A,B] missing`. CNI_COMMAND is always required.
 */
export function readEnvArgs(env: Env): EnvArgs | CniError {
  const out: EnvArgs = { command: '', containerId: '', netns: '', ifname: '', args: '', path: '', netnsOverride: '' };
  out.command = env.CNI_COMMAND ?? '';
  const missing: string[] = [];
  for (const v of VARS) {
    const value = env[v.name] ?? '';
    out[v.key] = value;
    const required = v.required.includes(out.command);
    if (value === '') {
      if (required || v.name === 'CNI_COMMAND') missing.push(v.name);
    } else if (required && v.validate) {
      const err = v.validate(value);
      if (err) return err;
    }
  }
  if (missing.length > 0) {
    return new CniError(ErrCode.invalidEnvironmentVariables, `required env variables [${missing.join(',')}] missing`);
  }
  return out;
}

/** filepath.SplitList: "" is no directory at all; empty elements of a non-empty list are kept. */
export function splitPath(path: string): string[] {
  return path === '' ? [] : path.split(':');
}

export interface CniEnvInput {
  command: string;
  containerId?: string;
  netns?: string;
  ifname?: string;
  /** CNI_ARGS as a string or as [key, value] pairs (joined `k=v;k=v`, no escaping, as libcni). */
  args?: string | readonly (readonly [string, string])[];
  /** CNI_PATH as a string or a list (joined with ':'). */
  path?: string | readonly string[];
  netnsOverride?: string;
}

/**
 * The environment a runtime would set (invoke.Args.AsEnv): `base` plus all six CNI_* variables
 * (empty strings allowed), for in-process callers of dispatch().
 */
export function cniEnv(input: CniEnvInput, base: Env = {}): Record<string, string | undefined> {
  const args = typeof input.args === 'string' ? input.args : (input.args ?? []).map(([k, v]) => `${k}=${v}`).join(';');
  const path = typeof input.path === 'string' ? input.path : (input.path ?? []).join(':');
  const env: Record<string, string | undefined> = {
    ...base,
    CNI_COMMAND: input.command,
    CNI_CONTAINERID: input.containerId ?? '',
    CNI_NETNS: input.netns ?? '',
    CNI_ARGS: args,
    CNI_IFNAME: input.ifname ?? '',
    CNI_PATH: path,
  };
  if (input.netnsOverride !== undefined) env.CNI_NETNS_OVERRIDE = input.netnsOverride;
  return env;
}
