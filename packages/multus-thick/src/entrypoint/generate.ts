// 00-multus.conf from the node's primary CNI config, for the thin plugin or the thick shim.
// Unlike upstream's generators: a config of Multus itself is never taken as the primary
// (Cilium's renames, multus-in-multus after restarts), an unreadable or invalid candidate is
// skipped instead of producing an empty file, only capabilities set true are advertised,
// and the thin config names confDir with the key Multus reads (upstream writes "cniConf").
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { versionGte } from '@cni-ts/cni';

export interface Primary {
  file: string;
  conf: Record<string, unknown>;
}

const MULTUS_TYPES = new Set(['multus', 'multus-shim']);

function isMultus(conf: Record<string, unknown>): boolean {
  if (typeof conf.type === 'string' && MULTUS_TYPES.has(conf.type)) return true;
  const plugins = conf.plugins;
  return Array.isArray(plugins) && plugins.some((p) => MULTUS_TYPES.has((p as { type?: string })?.type ?? ''));
}

/**
 * The primary config: `.conf`/`.conflist`/`.json` files of dir, sorted, not named 00-multus*,
 * parseable, with a cniVersion, and not Multus's own; or the named file (multusMasterCNI).
 */
export function findPrimary(dir: string, masterFile?: string): Primary | undefined {
  let names: string[];
  if (masterFile) {
    if (path.basename(masterFile).startsWith('00-multus')) throw new Error(`the master CNI config cannot be Multus's own file ${masterFile}`);
    names = [path.basename(masterFile)];
  } else {
    try {
      names = readdirSync(dir).filter((n) => /\.(conf|conflist|json)$/.test(n) && !n.startsWith('00-multus')).sort();
    } catch {
      return undefined;
    }
  }
  for (const name of names) {
    const file = path.join(dir, name);
    let conf: unknown;
    try {
      conf = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    if (!conf || typeof conf !== 'object' || Array.isArray(conf)) continue;
    const c = conf as Record<string, unknown>;
    if (typeof c.cniVersion !== 'string' || c.cniVersion === '' || isMultus(c)) continue;
    return { file, conf: c };
  }
  return undefined;
}

/** The union of the capabilities set true, over a conflist's plugins or a single config. */
export function capabilitiesOf(conf: Record<string, unknown>): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  const sources = Array.isArray(conf.plugins) ? (conf.plugins as Record<string, unknown>[]) : [conf];
  for (const p of sources) {
    const caps = p?.capabilities;
    if (!caps || typeof caps !== 'object') continue;
    for (const [k, v] of Object.entries(caps)) if (v === true) out[k] = true;
  }
  return out;
}

export interface GenerateOptions {
  /** Multus's cniVersion (default: the primary's). */
  cniVersion?: string;
  /** Use the primary's name instead of multus-cni-network. */
  overrideNetworkName?: boolean;
  /** Extra keys copied into the config (kubeconfig, logLevel, binDir, namespaceIsolation, ...). */
  extra?: Record<string, unknown>;
}

function common(primary: Primary, o: GenerateOptions): { cniVersion: string; name: string; capabilities?: Record<string, boolean> } {
  const cniVersion = o.cniVersion || (primary.conf.cniVersion as string);
  if (versionGte(cniVersion, '0.4.0') && !versionGte(primary.conf.cniVersion as string, '0.4.0')) {
    throw new Error(`delegate cni version is ${primary.conf.cniVersion as string} while top level cni version is ${cniVersion}`);
  }
  const name = o.overrideNetworkName && typeof primary.conf.name === 'string' ? primary.conf.name : 'multus-cni-network';
  const caps = capabilitiesOf(primary.conf);
  return { cniVersion, name, ...(Object.keys(caps).length ? { capabilities: caps } : {}) };
}

const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ''));

/** The thick shim's config: the primary is referenced by path (clusterNetwork) in the daemon's view. */
export function shimConfig(primary: Primary, o: GenerateOptions = {}): Record<string, unknown> {
  const c = common(primary, o);
  return { ...defined({ capabilities: c.capabilities, cniVersion: c.cniVersion, name: c.name, ...o.extra }), clusterNetwork: primary.file, type: 'multus-shim' };
}

/** The thin plugin's config: the primary embedded as the first delegate; a conflist from 1.0.0 on. */
export function thinConfig(primary: Primary, o: GenerateOptions = {}): { fileName: string; conf: Record<string, unknown> } {
  const c = common(primary, o);
  const plugin = defined({ type: 'multus', capabilities: c.capabilities, ...o.extra, delegates: [primary.conf] });
  if (versionGte(c.cniVersion, '1.0.0')) {
    return { fileName: '00-multus.conflist', conf: { cniVersion: c.cniVersion, name: c.name, plugins: [plugin] } };
  }
  return { fileName: '00-multus.conf', conf: { cniVersion: c.cniVersion, name: c.name, ...plugin } };
}
