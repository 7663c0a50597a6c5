// The configurations users copy from the plugin READMEs (issues 19 and 20: a conflist for
// bandwidth, ptp, dummy, tap, portmap and firewall; a Multus NetworkAttachmentDefinition for vlan,
// sbr and vrf) are read back from the README text and checked against the plugins themselves:
// every key is a field of the plugin (or of its IPAM plugin), and the plugin's decoder takes it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode } from '../../packages/cni/src/index.ts';

const root = join(import.meta.dirname, '../..');
type Conf = Record<string, unknown>;

/** The JSON configs of a README: ```json blocks, and the `config: |` of a NAD in ```yaml blocks. */
function readmeConfigs(text: string): Conf[] {
  const out: Conf[] = [];
  for (const [, lang, body] of text.matchAll(/```(json|yaml)\n([\s\S]*?)\n```/g)) {
    if (lang === 'json') out.push(JSON.parse(body!) as Conf);
    else {
      const m = /^(\s*)config: \|\n((?:\1\s+.*\n?|\s*\n)+)/m.exec(body!);
      if (m) out.push(JSON.parse(m[2]!) as Conf);
    }
  }
  return out;
}

/** The plugin objects of a config or conflist, with the list's name and cniVersion. */
const pluginsOf = (c: Conf): Conf[] => (Array.isArray(c.plugins) ? (c.plugins as Conf[]).map((p) => ({ cniVersion: c.cniVersion, name: c.name, ...p })) : [c]);

async function pluginModule(type: string): Promise<{ plugin: { configSchema?: () => unknown }; jsonSchema: () => { properties?: Record<string, { properties?: Record<string, unknown> }> } }> {
  const index = (await import(join(root, 'packages', type, 'src/index.ts'))) as { jsonSchema: () => never };
  const plugin = ((await import(join(root, 'packages', type, 'src/plugin.ts'))) as { default: never }).default;
  return { plugin, jsonSchema: index.jsonSchema };
}

const keysOf = (s: { properties?: Record<string, unknown> } | undefined) => new Set(Object.keys(s?.properties ?? {}).map((k) => k.toLowerCase()));

const EXAMPLES: Record<string, { min: number; nad?: boolean }> = {
  bandwidth: { min: 1 },
  ptp: { min: 1 },
  dummy: { min: 1 },
  tap: { min: 1 },
  vlan: { min: 1, nad: true },
  sbr: { min: 1, nad: true },
  vrf: { min: 1, nad: true },
  portmap: { min: 1 },
  firewall: { min: 1 },
};

describe('README examples', () => {
  for (const [pkg, want] of Object.entries(EXAMPLES)) {
    it(`${pkg}: every example config is one the plugins take`, async () => {
      const text = readFileSync(join(root, 'packages', pkg, 'README.md'), 'utf8');
      if (want.nad) expect(text, `${pkg}/README.md has no NetworkAttachmentDefinition`).toMatch(/kind: NetworkAttachmentDefinition/);
      const configs = readmeConfigs(text).filter((c) => pluginsOf(c).some((p) => p.type === pkg) || c.type === undefined);
      expect(configs.filter((c) => pluginsOf(c).some((p) => p.type === pkg)).length, `${pkg}/README.md: examples using ${pkg}`).toBeGreaterThanOrEqual(want.min);
      for (const c of configs) {
        for (const p of pluginsOf(c)) {
          const type = (p.type as string | undefined) ?? pkg; // a bare object shows the plugin's own fields
          const conf = { cniVersion: '1.0.0', name: 'example', ...p, type };
          const m = await pluginModule(type);
          const fields = keysOf(m.jsonSchema());
          for (const k of Object.keys(p)) expect(fields.has(k.toLowerCase()), `${pkg}/README.md: "${k}" is not a field of ${type}`).toBe(true);
          const schema = await m.plugin.configSchema!();
          expect(() => decode(schema as never, conf), `${pkg}/README.md: ${type}`).not.toThrow();
          const ipam = p.ipam as Conf | undefined;
          if (ipam?.type) {
            const im = await pluginModule(ipam.type as string);
            const ipamFields = keysOf(im.jsonSchema().properties?.ipam);
            if (ipamFields.size > 0) for (const k of Object.keys(ipam)) expect(ipamFields.has(k.toLowerCase()), `${pkg}/README.md: ipam "${k}" is not a field of ${String(ipam.type)}`).toBe(true);
            const ipamSchema = await im.plugin.configSchema!();
            expect(() => decode(ipamSchema as never, conf), `${pkg}/README.md: ipam ${String(ipam.type)}`).not.toThrow();
          }
        }
      }
    });
  }
});
