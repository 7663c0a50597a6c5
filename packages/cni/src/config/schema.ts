// Network configuration (SPEC §1): the plugin configuration object every plugin receives on
// stdin, and the network configuration list a runtime loads. Plugins extend pluginConfSchema
// with their own keys: `pluginConfSchema.extend({ master: z.string() })`.
import * as z from 'zod';
import { lazySchema } from '../schema/lazy';
import { dnsSchema } from '../result/schema';
import { goField } from '../schema/go-types';
import { runtimeConfigSchema } from './runtime';

const goString = (struct: string) => goField(z.string(), struct, 'string');

/** The `ipam` section: `type` names the IPAM plugin; everything else belongs to it. */
export const ipamSchema = lazySchema(() => z.looseObject({
  type: goString('IPAM').optional(),
}));

/** One `cni.dev/valid-attachments` entry of a GC request. */
export const gcAttachmentSchema = lazySchema(() => z.object({
  containerID: goString('GCAttachment'),
  ifname: goString('GCAttachment'),
}));

/** The `args` convention: `{"cni": {"ips": [...], "labels": [{"key", "value"}]}}`. */
export const configArgsSchema = lazySchema(() => z.looseObject({
  cni: z
    .looseObject({
      ips: z.array(z.string()).optional(),
      mac: z.string().optional(),
      labels: z.array(z.object({ key: z.string(), value: z.string() })).optional(),
    })
    .optional(),
}));

/**
 * Exactly Go's types.NetConf (PluginConf): what the reference plugins that use it decode, and
 * type-check, from stdin; a wrong JSON type fails with Go's text (goField annotations).
 * Unknown keys are kept (z.looseObject).
 */
export const netConfSchema = lazySchema(() => z.looseObject({
  cniVersion: goString('PluginConf').optional(),
  name: goString('PluginConf').optional(),
  type: goString('PluginConf').optional(),
  capabilities: goField(z.record(z.string(), goField(z.boolean(), 'PluginConf', 'bool')).optional(), 'PluginConf', 'map[string]bool'),
  ipam: goField(ipamSchema.optional(), 'PluginConf', 'types.IPAM'),
  dns: goField(dnsSchema.optional(), 'PluginConf', 'types.DNS'),
  prevResult: goField(z.record(z.string(), z.unknown()).optional(), 'PluginConf', 'map[string]interface {}'),
  'cni.dev/valid-attachments': goField(
    z.array(goField(gcAttachmentSchema.clone(), 'PluginConf', 'types.GCAttachment')).optional(),
    'PluginConf',
    '[]types.GCAttachment',
  ),
}));

/**
 * NetConf plus the other protocol keys a plugin may be handed (args, runtimeConfig with typed
 * capabilities, the legacy GC key): every common field of a plugin configuration object.
 * Plugins extend it with their own keys.
 */
export const pluginConfSchema = lazySchema(() => netConfSchema.extend({
  args: configArgsSchema.optional(),
  runtimeConfig: runtimeConfigSchema.optional(),
  'cni.dev/attachments': z.array(gcAttachmentSchema).optional(),
}));

/**
 * libcni's booleans of a list (disableCheck, disableGC, loadOnlyInlinedPlugins): a JSON bool
 * or the strings "true"/"false" in any case (spec 0.4.0 typed disableCheck as a string).
 */
export const looseBoolSchema = lazySchema(() => z.union([z.boolean(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'boolean') return v;
  const s = v.toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  ctx.issues.push({ code: 'custom', message: `invalid boolean value ${JSON.stringify(v)}`, input: v });
  return z.NEVER;
}));

/** A plugin inside a list: `type` is required there (libcni: `missing 'type'`). */
export const listPluginSchema = lazySchema(() => pluginConfSchema.extend({ type: z.string().min(1, "missing 'type'") }));

/** The network configuration list (.conflist). */
export const netConfListSchema = lazySchema(() => z.looseObject({
  cniVersion: z.string().optional(),
  cniVersions: z.array(z.string()).optional(),
  name: z.string(),
  disableCheck: looseBoolSchema.optional(),
  disableGC: looseBoolSchema.optional(),
  loadOnlyInlinedPlugins: looseBoolSchema.optional(),
  plugins: z.array(listPluginSchema).min(1, 'no plugins in list').optional(),
}));

export type Ipam = z.output<typeof ipamSchema>;
export type GcAttachment = z.output<typeof gcAttachmentSchema>;
export type ConfigArgs = z.output<typeof configArgsSchema>;
export type NetConf = z.output<typeof netConfSchema>;
export type PluginConf = z.output<typeof pluginConfSchema>;
export type NetConfList = z.output<typeof netConfListSchema>;
