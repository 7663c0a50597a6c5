// `cni-ts validate <file>`: a conf or conflist checked the way the chain would load it, then
// every plugin config (as the plugin would receive it) against that plugin's zod schema, and its
// IPAM section against the IPAM plugin's. Nothing touches the kernel or runs a plugin.
import { readFileSync } from 'node:fs';
import { ALL_VERSIONS, goJsonParse, schemaIssues, validateNetworkName, type Plugin } from '@cni-ts/cni';
import * as z from 'zod';
import { ConfigFileError } from '../conf/errors';
import { buildOneConfig } from '../conf/inject';
import { confFromFile, confListFromConf, confListFromFile } from '../conf/load';
import { loadOurPlugin, ourPluginLoadError, ourPluginTypes } from '../exec/registry';
import type { NetworkConfigList, PluginConfig } from '../types';

export interface Finding {
  severity: 'error' | 'warning' | 'note';
  /** The file the finding is about (a `<name>/` folder plugin has its own). */
  file: string;
  /** Field path, e.g. `plugins[0].ipam.ranges[0][0].subnet`, or `line 3, column 5`. */
  field?: string;
  message: string;
}

export interface Validation {
  list?: NetworkConfigList;
  findings: Finding[];
}

/** A file is a list when its extension says so, or when it has a `plugins` key. */
function loadAny(file: string): NetworkConfigList {
  if (file.endsWith('.conflist')) return confListFromFile(file);
  let raw: unknown;
  try {
    raw = goJsonParse(readFileSync(file));
  } catch {
    return confListFromConf(confFromFile(file), file);
  }
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && 'plugins' in raw) return confListFromFile(file);
  return confListFromConf(confFromFile(file), file);
}

/** The list version is one this implementation knows (else every plugin would refuse it). */
export function versionProblem(version: string): string | undefined {
  if (version === '' || ALL_VERSIONS.includes(version)) return undefined;
  return `unsupported CNI version ${JSON.stringify(version)} (known: ${ALL_VERSIONS.join(', ')})`;
}

function schemaFindings(schema: z.ZodType, value: unknown, file: string, prefix: string, what: string): Finding[] {
  return schemaIssues(schema, value).map(({ path, text }) => ({
    severity: 'error' as const,
    file,
    field: [prefix, path].filter(Boolean).join('.') || undefined,
    message: `${text} (${what})`,
  }));
}

async function schemaOf(plugin: Plugin): Promise<z.ZodType | undefined> {
  return plugin.configSchema ? ((await plugin.configSchema()) as z.ZodType) : undefined;
}

async function checkPlugin(list: NetworkConfigList, net: PluginConfig, index: number, inlined: number): Promise<Finding[]> {
  const out: Finding[] = [];
  const file = net.path ?? list.path ?? '';
  const prefix = net.path ? '' : `plugins[${index}]`;
  const at = (field: string) => [prefix, field].filter(Boolean).join('.');
  const type = net.network.type ?? '';
  const raw = goJsonParse(net.bytes) as Record<string, unknown>;
  if (typeof raw.name === 'string' && raw.name !== list.name && index < inlined) {
    out.push({ severity: 'error', file, field: at('name'), message: `${JSON.stringify(raw.name)} does not match the network name ${JSON.stringify(list.name)} (plugins get the list's name)` });
  }
  if (typeof raw.cniVersion === 'string' && raw.cniVersion !== list.cniVersion) {
    out.push({ severity: 'warning', file, field: at('cniVersion'), message: `${JSON.stringify(raw.cniVersion)} is replaced by the list's ${JSON.stringify(list.cniVersion)}` });
  }
  const conf = goJsonParse(buildOneConfig(list.name, list.cniVersion, net, undefined).bytes);
  const ipamType = net.network.ipam?.type ?? '';
  for (const [role, t] of [['plugin', type], ['ipam', ipamType === type ? '' : ipamType]] as const) {
    if (!t) continue;
    const field = role === 'plugin' ? at('type') : at('ipam.type');
    if (!ourPluginTypes().includes(t)) {
      out.push({ severity: 'note', file, field, message: `${t}: not a cni-ts plugin; only the common fields were checked` });
      continue;
    }
    const plugin = await loadOurPlugin(t);
    if (!plugin) {
      out.push({ severity: 'note', file, field, message: `${t}: schema unavailable (${ourPluginLoadError(t) ?? 'not loaded'})` });
      continue;
    }
    const versions = plugin.supportedVersions ?? ALL_VERSIONS;
    const v = list.cniVersion || '0.1.0';
    if (!versions.includes(v)) out.push({ severity: 'error', file, field, message: `${t} does not support config version ${JSON.stringify(v)}` });
    const schema = await schemaOf(plugin);
    if (!schema) out.push({ severity: 'note', file, field, message: `${t}: declares no config schema` });
    else out.push(...schemaFindings(schema, conf, file, prefix, `${t} schema`));
  }
  return out;
}

/** Validates one file; never throws for problems in the file (they become findings). */
export async function validateFile(file: string): Promise<Validation> {
  let list: NetworkConfigList;
  try {
    list = loadAny(file);
  } catch (err) {
    const e = err instanceof ConfigFileError ? err : new ConfigFileError(file, err);
    return { findings: [{ severity: 'error', file: e.file, field: e.location ?? e.field, message: e.reason }] };
  }
  const findings: Finding[] = [];
  const bad = validateNetworkName(list.name);
  if (bad) findings.push({ severity: 'error', file, field: 'name', message: bad.message });
  const vp = versionProblem(list.cniVersion);
  if (vp) findings.push({ severity: 'error', file, field: 'cniVersion', message: vp });
  if (list.cniVersion === '') findings.push({ severity: 'warning', file, field: 'cniVersion', message: 'missing: plugins will assume 0.1.0' });
  const inlined = list.plugins.filter((p) => !p.path).length;
  for (const [i, net] of list.plugins.entries()) findings.push(...(await checkPlugin(list, net, i, inlined)));
  return { list, findings };
}

/** One line per finding: `<file>: <field>: <message>` (notes and warnings labelled). */
export function formatFinding(f: Finding): string {
  const label = f.severity === 'error' ? '' : `${f.severity}: `;
  return `${f.file}: ${f.field ? `${f.field}: ` : ''}${label}${f.message}`;
}
