// invoke.GetVersionInfo: asking a plugin binary which spec versions it supports.
import { CURRENT_VERSION } from '../version';
import { goJsonParse } from '../gojson/parse';
import type { ExecEnv, PluginExec } from './exec';

export interface PluginInfo {
  cniVersion: string;
  supportedVersions: string[];
}

/** version.PluginDecoder: the VERSION answer, with the 0.2.0-era shorthand. */
export function decodePluginInfo(stdout: Uint8Array): PluginInfo {
  let v: unknown;
  try {
    v = goJsonParse(stdout);
  } catch (err) {
    throw new Error(`decoding version info: ${(err as Error).message}`, { cause: err });
  }
  const o = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  const cniVersion = typeof o.cniVersion === 'string' ? o.cniVersion : '';
  const supported = Array.isArray(o.supportedVersions) ? o.supportedVersions.filter((s): s is string => typeof s === 'string') : [];
  if (cniVersion === '') throw new Error('decoding version info: missing field cniVersion');
  if (supported.length === 0) {
    if (cniVersion === '0.2.0') return { cniVersion: CURRENT_VERSION, supportedVersions: ['0.1.0', '0.2.0'] };
    throw new Error('decoding version info: missing field supportedVersions');
  }
  return { cniVersion, supportedVersions: supported };
}

/**
 * Runs `pluginPath` with CNI_COMMAND=VERSION (and the dummy values old skeletons require).
 * A plugin that answers "unknown CNI_COMMAND: VERSION" predates VERSION: it speaks 0.1.0.
 */
export async function getVersionInfo(exec: PluginExec, pluginPath: string, baseEnv: ExecEnv = {}): Promise<PluginInfo> {
  const env = {
    ...baseEnv,
    CNI_COMMAND: 'VERSION',
    CNI_CONTAINERID: '',
    CNI_NETNS: 'dummy',
    CNI_ARGS: '',
    CNI_IFNAME: 'dummy',
    CNI_PATH: 'dummy',
  };
  let stdout: Uint8Array;
  try {
    stdout = await exec.execPlugin(pluginPath, new TextEncoder().encode(`{"cniVersion":"${CURRENT_VERSION}"}`), env);
  } catch (err) {
    if ((err as Error).message === 'unknown CNI_COMMAND: VERSION') return { cniVersion: CURRENT_VERSION, supportedVersions: ['0.1.0'] };
    throw err;
  }
  return decodePluginInfo(stdout);
}
