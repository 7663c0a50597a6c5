export interface PluginInfo {
  name: string;
  dir: string;
  package: string;
  description: string;
  kind: 'main' | 'ipam' | 'meta';
  main: string;
  plugin: string | undefined;
  index: string | undefined;
  onDemand: Record<string, string>;
  training: { ifname: string; config: object; commands?: string[] } | undefined;
  inProcess: boolean;
  usesChain: boolean;
}
export function discoverPlugins(root: string): PluginInfo[];
export function catalogFor(plugins: PluginInfo[], self?: PluginInfo): PluginInfo[];
export function catalogSource(plugins: { name: string; plugin?: string }[]): string;
export const CATALOG_MODULE: string;
export function catalogPlugin(plugins: { name: string; plugin?: string }[]): unknown;
export function fixturePlugins(root: string): PluginInfo[];
