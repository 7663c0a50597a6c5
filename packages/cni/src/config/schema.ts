// Network configuration (SPEC §1): the plugin configuration object every plugin receives on
// stdin, and the network configuration list a runtime loads. Plugins extend pluginConfSchema
// with their own keys: `pluginConfSchema.extend({ master: z.string() })`.
import * as z from 'zod';
import { lazySchema } from '../schema/lazy';
import { dnsSchema } from '../result/schema';
import { decode } from '../schema/decode';
import { go, goMap } from '../schema/go';
import { runtimeConfigSchema } from './runtime';

/** The `ipam` section (Go's types.IPAM): `type` names the IPAM plugin; everything else belongs to it. */
export const ipamSchema = lazySchema(() => go(z.looseObject({ type: z.string().optional() }), 'types.IPAM', { struct: 'IPAM' }));

/** One `cni.dev/valid-attachments` entry of a GC request (types.GCAttachment; null = zero value). */
export const gcAttachmentSchema = lazySchema(() =>
  go(z.object({ containerID: z.string().default(''), ifname: z.string().default('') }), 'types.GCAttachment', { struct: 'GCAttachment', nullAs: {} }),
);

/**
 * The attachments a GC request keeps: `cni.dev/valid-attachments`, else the legacy
 * `cni.dev/attachments` (keys matched case-insensitively, as Go's JSON does). undefined when the
 * config has neither key: nothing is known to be stale, so a plugin removes nothing. A JSON null
 * (libcni's nil slice, as cnitool's `gc` sends it) is an empty list: everything is stale.
 */
export function gcValidAttachments(config: unknown): GcAttachment[] | undefined {
  const obj = (config !== null && typeof config === 'object' ? config : {}) as Record<string, unknown>;
  for (const want of ['cni.dev/valid-attachments', 'cni.dev/attachments']) {
    const key = Object.keys(obj).find((k) => k.toLowerCase() === want);
    if (key === undefined) continue;
    return obj[key] === null ? [] : decode(z.array(gcAttachmentSchema), obj[key], { prefix: want });
  }
  return undefined;
}

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
 * THE declaration of Go's types.NetConf (PluginConf in the newest library): the fields every
 * plugin config embeds. A fresh set per call, for a plugin's schema to extend (see netConf()).
 */
export function netConfFields() {
  return {
    cniVersion: z.string().optional().describe('CNI spec version of this configuration'),
    name: z.string().optional().describe('network name'),
    type: z.string().optional().describe('plugin type (the binary name)'),
    capabilities: z.record(z.string(), z.boolean()).optional().describe('capabilities the runtime may fill in runtimeConfig'),
    ipam: ipamSchema.optional().describe('IPAM configuration, passed to the IPAM plugin unchanged; empty or absent type = no addresses'),
    dns: dnsSchema.optional().describe('DNS settings for the result'),
    prevResult: goMap().optional().describe('result of the previous plugin in a chain (set by the runtime)'),
    'cni.dev/valid-attachments': z.array(gcAttachmentSchema).optional().describe('GC only: the attachments to keep'),
  };
}

/**
 * A plugin's config schema: types.NetConf's fields plus `fields`, decoded as the Go struct
 * `struct` (its name in errors: `json: cannot unmarshal string into Go struct field
 * NetConf.mtu of type int`). Unknown keys are ignored.
 */
export function netConf<T extends z.core.$ZodLooseShape>(struct: string, fields: T) {
  return go(z.object({ ...netConfFields(), ...fields }), `main.${struct}`, { struct });
}

/**
 * Exactly Go's types.NetConf (PluginConf): what the reference plugins that use it decode, and
 * type-check, from stdin; a wrong JSON type fails with Go's text. Unknown keys are kept.
 */
export const netConfSchema = lazySchema(() => go(z.looseObject(netConfFields()), 'types.PluginConf', { struct: 'PluginConf' }));

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
