// Command line of tools/kernel/run.mjs.
import { resolve } from 'node:path';

export const USAGE = `usage: node tools/kernel/run.mjs [options] -- <command> [args...]

Runs <command> as root inside Debian's user-mode-linux kernel (the host's / read-only, a RAM
overlay on top) and exits with its exit code.

options:
  --out DIR        a host directory the command may write to (mounted read-write at the same
                   path; created if missing). Repeatable.
  --mem SIZE       guest memory, e.g. 2G (default 2G; env CNITS_KERNEL_MEM)
  --timeout SEC    kill the guest after SEC seconds, exit 124 (default 1200; env CNITS_KERNEL_TIMEOUT)
  --env NAME[=V]   pass one more environment variable to the command. Repeatable.
  --verbose        show the kernel console (boot messages, module loading) on stderr
  --keep           keep the temp work dir (init script, console log) for debugging
  --kernel PATH    the UML kernel (default /usr/bin/linux.uml; env CNITS_UML)
  -h, --help       this text`;

export class UsageError extends Error {}

/**
 * @param {string[]} argv arguments after the script name
 * @param {Record<string, string | undefined>} env
 */
export function parseOptions(argv, env = process.env) {
  const o = {
    out: /** @type {string[]} */ ([]),
    mem: env.CNITS_KERNEL_MEM || '2G',
    timeout: Number(env.CNITS_KERNEL_TIMEOUT || 1200),
    env: /** @type {Record<string, string>} */ ({}),
    verbose: false,
    keep: false,
    kernel: env.CNITS_UML || '/usr/bin/linux.uml',
    help: false,
    command: /** @type {string[]} */ ([]),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = /** @type {string} */ (argv[i]);
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--') {
      o.command = argv.slice(i + 1);
      break;
    } else if (a === '--out') o.out.push(resolve(value()));
    else if (a === '--mem') o.mem = value();
    else if (a === '--timeout') o.timeout = Number(value());
    else if (a === '--env') {
      const v = value();
      const eq = v.indexOf('=');
      const name = eq < 0 ? v : v.slice(0, eq);
      const val = eq < 0 ? env[name] : v.slice(eq + 1);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`--env: bad variable name ${JSON.stringify(name)}`);
      if (val !== undefined) o.env[name] = val;
    } else if (a === '--verbose' || a === '-v') o.verbose = true;
    else if (a === '--keep') o.keep = true;
    else if (a === '--kernel') o.kernel = value();
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new UsageError(`unknown option ${a}`);
  }
  if (!/^\d+[KMG]?$/i.test(o.mem)) throw new UsageError(`--mem: expected a size like 2G, got ${o.mem}`);
  if (!Number.isFinite(o.timeout) || o.timeout <= 0) throw new UsageError('--timeout: expected a positive number of seconds');
  if (!o.help && o.command.length === 0) throw new UsageError('no command given (put it after --)');
  return o;
}

/** Variables of the runner's environment that reach the command unchanged. */
const PASS = [
  'CI',
  'FORCE_COLOR',
  'NO_COLOR',
  'TERM',
  'COLORTERM',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'DEBUG',
  'NODE_OPTIONS',
  'NODE_ENV',
  'GITHUB_ACTIONS',
];
const PASS_PREFIXES = ['CNITS_', 'VITEST_'];

/**
 * The command's environment: a small allow-list of the runner's, a PATH with the sbin dirs,
 * HOME in the guest's RAM overlay, and CNITS_KERNEL=1 so tests can tell where they run.
 * @param {Record<string, string | undefined>} env
 * @param {Record<string, string>} extra
 */
export function guestEnv(env, extra) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (PASS.includes(k) || PASS_PREFIXES.some((p) => k.startsWith(p))) out[k] = v;
  }
  const sys = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  const path = (env.PATH ?? '').split(':').filter(Boolean);
  out.PATH = [...new Set([...path, ...sys])].join(':');
  out.HOME = '/root';
  out.CNITS_KERNEL = '1';
  return { ...out, ...extra };
}
