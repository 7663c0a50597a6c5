#!/usr/bin/env node
// `pnpm new-plugin <name> [--ipam | --meta] [--no-install]`: writes packages/<name>, a plugin
// package in the shape every plugin has (packages/cni/README.md "Writing a plugin"), which builds,
// installs and passes its own tests as written:
//   package.json   bin, exports, scripts, and `cni-ts` (kind, training: the build's plugin list)
//   src/config.ts  the config schema (types.NetConf's fields + this plugin's), loadConf, JSON Schema
//   src/plugin.ts  the Plugin: ADD, CHECK, DEL, STATUS top-down
//   src/main.ts    the binary: run(() => import('./plugin'))
//   src/index.ts   what other packages import
//   src/config.test.ts, test/<name>.e2e.ts, README.md
// Then the README's plugin table is regenerated and `pnpm install --offline` links the package
// (and records it in pnpm-lock.yaml). Nothing else lists plugins: the build, the catalogs, the
// installer and the bench find the package by its src/main.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { updateReadme } from './readme.mjs';

const ROOT = join(import.meta.dirname, '../..');
const KINDS = ['main', 'ipam', 'meta'];

/** `demo-x` -> `demoX`. */
const camel = (name) => name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());

function packageJson(name, kind) {
  const training = {
    main: { ifname: 'eth1', config: { type: name } },
    ipam: { ifname: 'eth1', config: { type: 'train', ipam: { type: name, addresses: ['10.99.4.2/24'] } } },
    meta: {
      ifname: 'eth0',
      config: { type: name, prevResult: { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '/run/netns/train' }], ips: [{ address: '10.99.3.2/24', interface: 0 }] } },
      commands: ['ADD', 'DEL'],
    },
  }[kind];
  const deps = { '@cni-ts/cni': 'workspace:*', '@cni-ts/netlink': 'workspace:*', '@cni-ts/plugin-kit': 'workspace:*', zod: '4.6.7' };
  return {
    name: `@cni-ts/${name}`,
    version: '0.1.0',
    type: 'module',
    description: `CNI ${name} ${kind === 'main' ? '' : `${kind === 'ipam' ? 'IPAM' : 'meta'} `}plugin`,
    license: 'Apache-2.0',
    files: ['dist'],
    bin: { [name]: './dist/main.mjs' },
    exports: { '.': { source: './src/index.ts', types: './dist/index.d.mts', default: './dist/index.mjs' } },
    scripts: {
      build: 'tsdown',
      typecheck: 'tsc -p tsconfig.json',
      test: `vitest run --project unit --root ../.. packages/${name}`,
      lint: 'oxlint src test',
    },
    dependencies: deps,
    sideEffects: ['./src/main.ts', './dist/main.mjs'],
    'cni-ts': { kind, training },
  };
}

/** A config.ts over types.NetConf: `field` is the plugin's own example field. */
const netConfConfig = (name, field) => `// The ${name} network configuration: types.NetConf's fields plus this plugin's own, decoded
// with Go's JSON rules (@cni-ts/cni's decoder: keys case-insensitive, Go's error texts).
import * as z from 'zod';
import { decode, netConf, toJsonSchema, type CniRequest } from '@cni-ts/cni';

export const configSchema = netConf('NetConf', {
  // The plugin's own fields (a Go type other than the inferred one: go(schema, 'uint32')).
  ${field},
}).describe('${name}: TODO one line on what the plugin does');

export type NetConf = z.output<typeof configSchema>;

/** JSON Schema (draft 2020-12) of the ${name} config, as a user writes it. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
}

/** The config of a request: json.Unmarshal into NetConf, failures wrapped as upstream wraps them. */
export function loadConf(req: Pick<CniRequest, 'config'>): NetConf {
  return decode(configSchema, req.config, { prefix: 'failed to load netconf' });
}
`;

const CONFIG = {
  main: (name) => netConfConfig(name, "mtu: z.number().int().optional().describe('MTU of the container interface; 0 or absent: the kernel default')"),
  ipam: (name) => `// The network config ${name} reads: the \`ipam\` section (and the common fields), decoded with
// Go's JSON rules (@cni-ts/cni's decoder: keys case-insensitive, Go's error texts).
import * as z from 'zod';
import { configError, decode, go, goCIDR, toJsonSchema, type CniRequest } from '@cni-ts/cni';

export const ipamSchema = go(
  z.object({
    type: z.string().optional(),
    addresses: z.array(goCIDR()).optional().describe('addresses handed out, CIDR notation'),
  }),
  'main.IPAMConfig',
  { struct: 'IPAMConfig' },
).describe('${name} IPAM: TODO one line on what the plugin does');

export const configSchema = go(
  z.object({
    cniVersion: z.string().optional(),
    name: z.string().optional(),
    ipam: ipamSchema.optional(),
  }),
  'main.Net',
  { struct: 'Net' },
);

export type IPAMConfig = z.output<typeof ipamSchema>;

/** JSON Schema (draft 2020-12) of the config fields ${name} reads. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
}

/** The \`ipam\` section of a request; errors name the field in details. */
export function loadConf(req: Pick<CniRequest, 'config'>): IPAMConfig {
  const n = decode(configSchema, req.config);
  if (!n.ipam) throw configError("IPAM config missing 'ipam' key", 'ipam');
  return n.ipam;
}
`,
  meta: (name) => netConfConfig(name, "enabled: z.boolean().optional().describe('TODO: the plugin\\'s own option')"),
};

const PLUGIN = {
  main: (name) => `// The ${name} plugin: TODO what it does. ADD reads top-down: config, the container interface,
// IPAM, result. Every step registers its undo first; a failure rolls all of them back.
import { ipamCheck, ipamDel, ipamStatus, type Plugin, type Result100 } from '@cni-ts/cni';
import { allocateAddresses, prevResultOf, withContainer } from '@cni-ts/plugin-kit';
import { configSchema, loadConf } from './config';

const ${camel(name)}: Plugin = {
  type: '${name}',
  configSchema: () => configSchema,

  async add(req) {
    const conf = loadConf(req);
    const ipam = conf.ipam?.type ?? '';
    return withContainer(req, async (netns, rb) => {
      // TODO: create the container interface (CNI_IFNAME) in \`netns\` and register its removal:
      //   rb.add('deleting the interface', () => withNetns(netns, () => delLinkIfExists(req.ifname)));
      const result: Result100 = { cniVersion: '1.1.0', interfaces: [{ name: req.ifname, sandbox: netns.path }] };
      if (ipam !== '') {
        const r = await allocateAddresses(ipam, req, rb);
        result.ips = r.ips;
        if (r.routes) result.routes = r.routes;
        // TODO: configure the addresses: withNetns(netns, () => configureIface(req.ifname, result));
      }
      if (conf.dns) result.dns = conf.dns;
      return result;
    });
  },

  // The attachment of prevResult must still be there.
  async check(req) {
    const conf = loadConf(req);
    const ipam = conf.ipam?.type ?? '';
    if (ipam !== '') await ipamCheck(ipam, req);
    if (prevResultOf(conf.prevResult, req.cniVersion) === undefined) throw new Error('required prevResult missing');
  },

  // Idempotent: whatever is already gone is not an error.
  async del(req) {
    const ipam = loadConf(req).ipam?.type ?? '';
    if (ipam !== '') await ipamDel(ipam, req);
  },

  async status(req) {
    const ipam = loadConf(req).ipam?.type ?? '';
    if (ipam !== '') await ipamStatus(ipam, req);
  },
};

export default ${camel(name)};
`,
  ipam: (name) => `// The ${name} IPAM plugin: TODO what it does. ADD returns the addresses for the attachment.
import type { Plugin, Result100 } from '@cni-ts/cni';
import { configSchema, loadConf } from './config';

const ${camel(name)}: Plugin = {
  type: '${name}',
  configSchema: () => configSchema,

  add(req) {
    const conf = loadConf(req);
    const result: Result100 = { cniVersion: '1.1.0', ips: (conf.addresses ?? []).map((address) => ({ address })) };
    return result;
  },

  check(req) {
    loadConf(req);
  },

  // Idempotent: nothing was kept, nothing to release.
  del(req) {
    loadConf(req);
  },
};

export default ${camel(name)};
`,
  meta: (name) => `// The ${name} meta plugin: TODO what it does to the attachment the plugins before it made.
// ADD reads top-down: config, the previous result, the change in the container, the result.
import { toCurrentResult, type Plugin } from '@cni-ts/cni';
import { prevResultOf } from '@cni-ts/plugin-kit';
import { configSchema, loadConf } from './config';

const ${camel(name)}: Plugin = {
  type: '${name}',
  configSchema: () => configSchema,

  add(req) {
    const conf = loadConf(req);
    const prev = prevResultOf(conf.prevResult, req.cniVersion);
    if (prev === undefined) throw new Error('Required prevResult missing');
    // TODO: change the container (withNetns(req.netns, () => ...)), keeping what to undo on DEL.
    return toCurrentResult(prev);
  },

  check(req) {
    const conf = loadConf(req);
    if (prevResultOf(conf.prevResult, req.cniVersion) === undefined) throw new Error('Required prevResult missing');
  },

  // Idempotent: whatever is already gone is not an error.
  del(req) {
    loadConf(req);
  },
};

export default ${camel(name)};
`,
};

const MAIN = (name) => `// The ${name} binary: the skeleton answers VERSION before the plugin (zod, koffi) is loaded.
import { run } from '@cni-ts/cni/skel';

await run(() => import('./plugin'));
`;

const INDEX = (name) => `export { default as ${camel(name)} } from './plugin';
export { configSchema, jsonSchema, loadConf } from './config';
`;

const UNIT = {
  main: (name) => `import { cniRequest } from '@cni-ts/cni';
import { describe, expect, it } from 'vitest';
import { jsonSchema, loadConf } from './config';
import plugin from './plugin';

const load = (config: Record<string, unknown>) => loadConf(cniRequest({ config: { cniVersion: '1.0.0', name: 'n', type: '${name}', ...config } }));

describe('${name} config', () => {
  it('decodes with Go rules: keys in any case, unknown keys ignored', () => {
    expect(load({ MTU: 1400, IPAM: { Type: 'host-local' }, junk: 1 })).toMatchObject({ mtu: 1400, ipam: { type: 'host-local' } });
  });

  it("refuses a wrong type with Go's text, naming the field", () => {
    expect(() => load({ mtu: '1500' })).toThrow(
      expect.objectContaining({ code: 999, msg: 'failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.mtu of type int', details: 'mtu' }),
    );
  });

  it('exports a JSON Schema and the plugin object', () => {
    expect(Object.keys((jsonSchema() as { properties: object }).properties)).toEqual(expect.arrayContaining(['mtu', 'ipam', 'dns']));
    expect(plugin.type).toBe('${name}');
  });
});
`,
  ipam: (name) => `import { cniRequest } from '@cni-ts/cni';
import { describe, expect, it } from 'vitest';
import { jsonSchema, loadConf } from './config';
import plugin from './plugin';

const req = (ipam: unknown) => cniRequest({ config: { cniVersion: '1.0.0', name: 'n', ipam } as Record<string, unknown> });

describe('${name}', () => {
  it('decodes with Go rules and returns the addresses', async () => {
    expect(loadConf(req({ TYPE: '${name}', Addresses: ['10.1.0.5/24'] }))).toEqual({ type: '${name}', addresses: ['10.1.0.5/24'] });
    expect(await plugin.add(req({ addresses: ['10.1.0.5/24'] }))).toEqual({ cniVersion: '1.1.0', ips: [{ address: '10.1.0.5/24' }] });
  });

  it("refuses bad input with Go's texts, naming the field", () => {
    expect(() => loadConf(req({ addresses: 'x' }))).toThrow(
      expect.objectContaining({ msg: 'json: cannot unmarshal string into Go struct field IPAMConfig.ipam.addresses of type []types.IPNet', details: 'ipam.addresses' }),
    );
    expect(() => loadConf(req({ addresses: ['10.1.0.5'] }))).toThrow(expect.objectContaining({ msg: 'invalid CIDR address: 10.1.0.5', details: 'ipam.addresses[0]' }));
    expect(() => loadConf(cniRequest({ config: { name: 'n' } }))).toThrow("IPAM config missing 'ipam' key");
  });

  it('exports a JSON Schema', () => {
    expect(Object.keys((jsonSchema() as { properties: object }).properties)).toContain('ipam');
  });
});
`,
  meta: (name) => `import { cniRequest } from '@cni-ts/cni';
import { describe, expect, it } from 'vitest';
import { jsonSchema, loadConf } from './config';
import plugin from './plugin';

const req = (config: Record<string, unknown>) => cniRequest({ config: { cniVersion: '1.0.0', name: 'n', type: '${name}', ...config } });

describe('${name}', () => {
  it('decodes with Go rules', () => {
    expect(loadConf(req({ ENABLED: true, junk: 1 }))).toMatchObject({ enabled: true });
    expect(() => loadConf(req({ enabled: 'yes' }))).toThrow(
      expect.objectContaining({ msg: 'failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.enabled of type bool', details: 'enabled' }),
    );
  });

  it('needs the previous result and passes it on', async () => {
    await expect(async () => plugin.add(req({}))).rejects.toThrow('Required prevResult missing');
    const prevResult = { cniVersion: '1.0.0', ips: [{ address: '10.1.0.5/24' }] };
    expect(await plugin.add(req({ prevResult }))).toMatchObject({ cniVersion: '1.1.0', ips: [{ address: '10.1.0.5/24' }] });
  });

  it('exports a JSON Schema', () => {
    expect(Object.keys((jsonSchema() as { properties: object }).properties)).toEqual(expect.arrayContaining(['enabled', 'prevResult']));
  });
});
`,
};

const E2E = {
  main: (name) => `// ${name} against the real kernel, in throwaway namespaces (@cni-ts/testkit): the plugin runs
// as a runtime runs it, bundled from source, with the test's "host" namespace as its own.
import { checkLeaks, cni, testEnv, tsPlugin, type PluginImpl } from '@cni-ts/testkit';
import { beforeAll, describe, expect, it } from 'vitest';

checkLeaks();

let ours: PluginImpl;
beforeAll(async () => {
  ours = await tsPlugin('${name}');
});

const conf = { cniVersion: '1.1.0', name: 'net1', type: '${name}' };

describe('${name}', () => {
  it('ADD returns the container interface; CHECK and DEL succeed', () => {
    const env = testEnv();
    const add = cni(ours, env.host.name, { command: 'ADD', netns: env.container.path }, conf);
    expect(add.code, add.stdout + add.stderr).toBe(0);
    expect(add.json).toMatchObject({ cniVersion: '1.1.0', interfaces: [{ name: 'eth0', sandbox: env.container.path }] });
    const check = cni(ours, env.host.name, { command: 'CHECK', netns: env.container.path }, { ...conf, prevResult: add.json });
    expect(check.code, check.stdout).toBe(0);
    expect(cni(ours, env.host.name, { command: 'DEL', netns: env.container.path }, conf).code).toBe(0);
    expect(cni(ours, env.host.name, { command: 'DEL', netns: env.container.path }, conf).code).toBe(0);
  });

  it('a config error is a CNI error naming the field', () => {
    const env = testEnv();
    const r = cni(ours, env.host.name, { command: 'ADD', netns: env.container.path }, { ...conf, mtu: 'x' });
    expect(r.json).toMatchObject({ code: 999, details: 'mtu' });
  });
});
`,
  ipam: (name) => `// ${name} as a runtime (or a main plugin) runs it, bundled from source, in throwaway namespaces.
import { checkLeaks, cni, testEnv, tsPlugin, type PluginImpl } from '@cni-ts/testkit';
import { beforeAll, describe, expect, it } from 'vitest';

checkLeaks();

let ours: PluginImpl;
beforeAll(async () => {
  ours = await tsPlugin('${name}');
});

const conf = (cniVersion: string) => ({ cniVersion, name: 'net1', type: 'x', ipam: { type: '${name}', addresses: ['10.98.0.5/24'] } });

describe('${name}', () => {
  it('ADD returns the addresses in the config version; DEL succeeds', () => {
    const env = testEnv();
    const add = cni(ours, env.host.name, { command: 'ADD', netns: env.container.path }, conf('1.1.0'));
    expect(add.code, add.stdout + add.stderr).toBe(0);
    expect(add.json).toEqual({ cniVersion: '1.1.0', ips: [{ address: '10.98.0.5/24' }] });
    expect(cni(ours, env.host.name, { command: 'ADD', netns: env.container.path }, conf('0.3.1')).json).toMatchObject({ ips: [{ version: '4' }] });
    expect(cni(ours, env.host.name, { command: 'DEL', netns: env.container.path }, conf('1.1.0')).code).toBe(0);
  });
});
`,
  meta: (name) => `// ${name} as a runtime runs it after a main plugin, bundled from source, in throwaway namespaces.
import { checkLeaks, cni, testEnv, tsPlugin, type PluginImpl } from '@cni-ts/testkit';
import { beforeAll, describe, expect, it } from 'vitest';

checkLeaks();

let ours: PluginImpl;
beforeAll(async () => {
  ours = await tsPlugin('${name}');
});

describe('${name}', () => {
  it('ADD passes the previous result on; CHECK and DEL succeed', () => {
    const env = testEnv();
    const prevResult = { cniVersion: '1.1.0', interfaces: [{ name: 'eth0', sandbox: env.container.path }], ips: [{ address: '10.98.0.5/24', interface: 0 }] };
    const conf = { cniVersion: '1.1.0', name: 'net1', type: '${name}', prevResult };
    const add = cni(ours, env.host.name, { command: 'ADD', netns: env.container.path }, conf);
    expect(add.code, add.stdout + add.stderr).toBe(0);
    expect(add.json).toEqual(prevResult);
    expect(cni(ours, env.host.name, { command: 'CHECK', netns: env.container.path }, conf).code).toBe(0);
    expect(cni(ours, env.host.name, { command: 'DEL', netns: env.container.path }, conf).code).toBe(0);
  });
});
`,
};

const README = (name, kind) => `# @cni-ts/${name}

The \`${name}\` CNI ${kind === 'ipam' ? 'IPAM ' : kind === 'meta' ? 'meta ' : ''}plugin: TODO what it does, and which upstream plugin it replaces
(differences: [docs/compat.md](../../docs/compat.md)).

\`\`\`ts
import { ${camel(name)} } from '@cni-ts/${name}'; // the Plugin object
import { jsonSchema } from '@cni-ts/${name}';     // JSON Schema (draft 2020-12) of the config
\`\`\`

## Options

| Field | Type | Default | Meaning |
|---|---|---|---|
| TODO | | | |

Config fields match case-insensitively as Go's JSON does; wrong types fail with Go's text
(code 999, \`details\` naming the field).

## Commands

- **ADD** — TODO
- **CHECK** — TODO
- **DEL** — TODO (idempotent)

## Tests

\`src/config.test.ts\` (unit), \`test/${name}.e2e.ts\` (root, throwaway namespaces):
\`pnpm exec vitest run --project unit packages/${name}\`, \`pnpm exec vitest run --project e2e packages/${name}\`.
`;

/** Writes packages/<name>; returns the files written (relative to root). */
export function writePlugin(root, name, kind) {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) throw new Error(`invalid plugin name ${JSON.stringify(name)}: lower case letters, digits and single dashes`);
  if (!KINDS.includes(kind)) throw new Error(`unknown kind ${kind}`);
  const dir = join(root, 'packages', name);
  if (existsSync(dir)) throw new Error(`packages/${name} exists already`);
  const files = {
    'package.json': `${JSON.stringify(packageJson(name, kind), null, 2)}\n`,
    'tsconfig.json': `{\n  "extends": "../../tsconfig.base.json",\n  "include": ["src", "test"]\n}\n`,
    'tsdown.config.ts': `import { defineConfig } from 'tsdown';\nimport { baseConfig } from '../../tsdown.config.ts';\n\n// The library (the plugin object and its schema) and the standalone binary entry.\nexport default defineConfig({ ...baseConfig, entry: { index: 'src/index.ts', main: 'src/main.ts' } });\n`,
    'src/config.ts': CONFIG[kind](name),
    'src/plugin.ts': PLUGIN[kind](name),
    'src/main.ts': MAIN(name),
    'src/index.ts': INDEX(name),
    'src/config.test.ts': UNIT[kind](name),
    [`test/${name}.e2e.ts`]: E2E[kind](name),
    'README.md': README(name, kind),
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return Object.keys(files).map((f) => `packages/${name}/${f}`);
}

function main(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ipam: { type: 'boolean' }, meta: { type: 'boolean' }, 'no-install': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || positionals.length !== 1 || (values.ipam && values.meta)) {
    process.stdout.write('usage: pnpm new-plugin <name> [--ipam | --meta] [--no-install]\n');
    process.exit(values.help ? 0 : 1);
  }
  const name = positionals[0];
  const kind = values.ipam ? 'ipam' : values.meta ? 'meta' : 'main';
  const files = writePlugin(ROOT, name, kind);
  for (const f of files) process.stdout.write(`wrote ${f}\n`);
  if (updateReadme(ROOT)) process.stdout.write('README.md: plugin table updated\n');
  if (!values['no-install']) {
    const r = spawnSync('pnpm', ['install', '--offline', '--no-frozen-lockfile'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  process.stdout.write(`\npackages/${name}: fill in the TODOs; then pnpm exec vitest run --project unit packages/${name}\n`);
}

if (import.meta.main) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`new-plugin: ${err.message}\n`);
    process.exit(1);
  }
}
