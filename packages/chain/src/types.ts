// libcni's data types: what a runtime hands the chain for one attachment, and what it loads
// from config files.
import type { PluginConf } from '@cni-ts/cni';

/** One plugin object of a list (libcni PluginConfig): the decoded common fields and the exact bytes. */
export interface PluginConfig {
  network: PluginConf;
  bytes: Uint8Array;
  /** The file it came from, for plugins of a `<name>/` folder (not in libcni). */
  path?: string;
}

/** A network configuration list (libcni NetworkConfigList). */
export interface NetworkConfigList {
  name: string;
  /** The selected version (cniVersion / cniVersions, spec 1.1), "" when the file has none. */
  cniVersion: string;
  disableCheck: boolean;
  disableGC: boolean;
  loadOnlyInlinedPlugins: boolean;
  plugins: PluginConfig[];
  /** The list's bytes: the file as read, or the generated list of an upconverted .conf. */
  bytes: Uint8Array;
  /** Where it was loaded from (not in libcni; used to name the file in errors). */
  path?: string;
}

/** The arguments of one invocation except the config (libcni RuntimeConf). */
export interface RuntimeConf {
  containerId: string;
  netns: string;
  ifName: string;
  /** CNI_ARGS as ordered pairs, joined `k=v;k=v` without escaping. */
  args?: [string, string][];
  /** Capability arguments; each reaches only the plugins whose `capabilities` enable it. */
  capabilityArgs?: Record<string, unknown>;
}

/** A cached attachment (libcni NetworkAttachment). */
export interface NetworkAttachment {
  containerId: string;
  network: string;
  ifName: string;
  config: Uint8Array;
  netns: string;
  cniArgs?: [string, string][];
  capabilityArgs?: Record<string, unknown>;
}

/** One `cni.dev/valid-attachments` entry (types.GCAttachment). */
export interface GcAttachment {
  containerID: string;
  ifname: string;
}

/** GCNetworkList's argument; absent means every cached attachment of the network is stale. */
export interface GcArgs {
  validAttachments: GcAttachment[];
}
