// Capability arguments (CONVENTIONS.md): what a runtime puts under runtimeConfig.<cap> for
// each capability a plugin enables. Keys match case-insensitively as in Go, so containerd's
// {"HostPort": 8080, ...} port mappings decode.
import * as z from 'zod';
import { lazySchema } from '../schema/lazy';
import { goInt, goUint } from '../schema/net';

/** portMappings: one entry per published port. */
export const portMappingSchema = lazySchema(() => z.object({
  hostPort: goInt(),
  containerPort: goInt(),
  protocol: z.string().optional(),
  hostIP: z.string().optional(),
}));

/** bandwidth: rates in bits per second, bursts in bits. */
export const bandwidthSchema = lazySchema(() => z.object({
  ingressRate: goUint().optional(),
  ingressBurst: goUint().optional(),
  egressRate: goUint().optional(),
  egressBurst: goUint().optional(),
}));

/** One range of an ipRanges range set (host-local's Range). */
export const ipRangeSchema = lazySchema(() => z.object({
  subnet: z.string(),
  rangeStart: z.string().optional(),
  rangeEnd: z.string().optional(),
  gateway: z.string().optional(),
}));

/** dns capability: note the keys differ from a result's dns (servers, searches). */
export const capabilityDnsSchema = lazySchema(() => z.object({
  servers: z.array(z.string()).optional(),
  searches: z.array(z.string()).optional(),
  options: z.array(z.string()).optional(),
}));

/** runtimeConfig with every well-known capability typed; other keys pass through. */
export const runtimeConfigSchema = lazySchema(() => z.looseObject({
  portMappings: z.array(portMappingSchema).optional(),
  ipRanges: z.array(z.array(ipRangeSchema)).optional(),
  bandwidth: bandwidthSchema.optional(),
  dns: capabilityDnsSchema.optional(),
  ips: z.array(z.string()).optional(),
  mac: z.string().optional(),
  infinibandGUID: z.string().optional(),
  deviceID: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  cgroupPath: z.string().optional(),
  'io.kubernetes.cri.pod-annotations': z.record(z.string(), z.string()).optional(),
}));

export type PortMapping = z.output<typeof portMappingSchema>;
export type Bandwidth = z.output<typeof bandwidthSchema>;
export type IpRange = z.output<typeof ipRangeSchema>;
export type CapabilityDns = z.output<typeof capabilityDnsSchema>;
export type RuntimeConfig = z.output<typeof runtimeConfigSchema>;
