// The logging wrapper: one bash script per plugin name that forwards stdin, argv, exit code and
// stdout unchanged to the real plugin and records the exec (env, stdin, stdout, rc, µs start and
// end) in a log directory. Runtimes are pointed at the shim directory, so the CNI_PATH they pass
// is the shim directory too and nested IPAM execs (bridge -> host-local) are recorded as well.
// Same scheme as shared/reference/real-clients/make-cni-shim.sh; both implementations pay the
// same few ms of bash per exec, so comparisons between them stay fair.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const TEMPLATE = String.raw`#!/bin/bash
# cni-ts runtime suite: records this exec, then runs @REAL@
t0=$EPOCHREALTIME
IFS= read -r -d '' in || true
out=$(printf '%s' "$in" | @REAL@ "$@")
rc=$?
t1=$EPOCHREALTIME
f=@LOG@/\${t0/./}-$$-@NAME@-\${CNI_COMMAND:-none}
printf '%s' "$in" >"$f.stdin"
printf '%s' "$out" >"$f.stdout"
for v in \${!CNI_@}; do printf '%s=%s\n' "$v" "\${!v}"; done >"$f.env"
printf '%s %s %s %s %s\n' @NAME@ "\${CNI_COMMAND:-}" "$rc" "\${t0/./}" "\${t1/./}" >"$f.meta"
printf '%s' "$out"
exit $rc
`;

const shellQuote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** Writes SHIM_DIR/<name> for every entry of `plugins` (name -> real executable). */
export function makeShim(plugins: Record<string, string>, shimDir: string, logDir: string): void {
  mkdirSync(shimDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  for (const [name, real] of Object.entries(plugins)) {
    const script = TEMPLATE.replaceAll('\\$', '$')
      .replaceAll('@REAL@', shellQuote(real))
      .replaceAll('@LOG@', shellQuote(logDir))
      .replaceAll('@NAME@', shellQuote(name));
    const file = join(shimDir, name);
    writeFileSync(file, script);
    chmodSync(file, 0o755);
  }
}

export interface PluginExec {
  plugin: string;
  command: string;
  rc: number;
  /** Wall-clock start and end (µs since the epoch) and duration (ms) of the real plugin. */
  startUs: number;
  endUs: number;
  ms: number;
  env: Record<string, string>;
  stdin: unknown;
  stdout: unknown;
  /** An IPAM exec made by another plugin while it ran (counted inside its parent's time). */
  nested: boolean;
}

const IPAM = new Set(['host-local', 'static', 'dhcp']);

function parseMaybeJson(text: string): unknown {
  if (!text.trim()) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Reads every recorded exec, in start order. */
export function readExecs(logDir: string): PluginExec[] {
  if (!existsSync(logDir)) return [];
  const metas = readdirSync(logDir).filter((f) => f.endsWith('.meta')).toSorted();
  const execs: PluginExec[] = [];
  for (const m of metas) {
    const base = join(logDir, m.slice(0, -'.meta'.length));
    const [plugin = '', command = '', rc = '0', start = '0', end = '0'] = readFileSync(`${base}.meta`, 'utf8').trim().split(' ');
    const read = (ext: string) => (existsSync(`${base}.${ext}`) ? readFileSync(`${base}.${ext}`, 'utf8') : '');
    const env: Record<string, string> = {};
    for (const line of read('env').split('\n')) {
      const i = line.indexOf('=');
      if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
    }
    const startUs = Number(start);
    const endUs = Number(end);
    execs.push({ plugin, command, rc: Number(rc), startUs, endUs, ms: (endUs - startUs) / 1000, env, stdin: parseMaybeJson(read('stdin')), stdout: parseMaybeJson(read('stdout')), nested: false });
  }
  execs.sort((a, b) => a.startUs - b.startUs);
  for (const e of execs) {
    if (!IPAM.has(e.plugin)) continue;
    e.nested = execs.some((p) => p !== e && !IPAM.has(p.plugin) && p.startUs <= e.startUs && p.endUs >= e.endUs);
  }
  return execs;
}

/** Empties the log (between measured phases). */
export function clearLog(logDir: string): void {
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
}

/** One JSON object per line, like real-clients/cni-log-to-jsonl.sh. */
export function toJsonl(execs: readonly PluginExec[]): string {
  return execs.map((e, i) => JSON.stringify({ seq: i + 1, plugin: e.plugin, command: e.command, rc: e.rc, ms: e.ms, env: e.env, stdin: e.stdin, stdout: e.stdout })).join('\n');
}
