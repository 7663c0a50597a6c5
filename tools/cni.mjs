#!/usr/bin/env node
// `pnpm cni <command>`: build and install the cni-ts plugin binaries.
//
//   pnpm cni install [--dest DIR] [--mode native|link|copy|launcher] [--socket PATH] [--no-build] [plugin...]
//       builds if anything changed, then installs the plugins (default: all) into DIR
//       (default /opt/cni/bin), each replaced atomically by rename(2).
//         native    (default) DIR/cni-ts-plugins plus a native launcher per plugin name: a
//                   static ELF of ~2.5 KB that answers VERSION without starting Node, hands a
//                   call to the resident server (`cni-ts-plugins serve`) when one answers on
//                   --socket (default /run/cni-ts/plugins.sock; '' = never), and execs the
//                   binary for everything else (tools/install/launcher.c)
//         link      DIR/cni-ts-plugins plus a hard link per plugin name
//         copy      a full, independent copy per plugin name
//         launcher  like native, with a /bin/sh script per plugin instead
//   pnpm cni build [--if-needed] [plugin...]     same as `node tools/build/build.mjs`
//   pnpm cni list [--dest DIR]                   registered plugins (and what DIR holds)
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build, ROOT } from './build/build.mjs';
import { discoverPlugins } from './build/lib/plugins.mjs';
import { DEFAULT_SOCKET, install, MODES } from './install/install.mjs';

const usage = `usage: pnpm cni install [--dest DIR] [--mode ${MODES.join('|')}] [--socket PATH] [--no-build] [plugin...]
       pnpm cni build [--if-needed] [plugin...]
       pnpm cni list [--dest DIR]`;

function fail(msg) {
  process.stderr.write(`cni: ${msg}\n`);
  process.exit(1);
}

async function main(argv) {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      dest: { type: 'string', default: '/opt/cni/bin' },
      mode: { type: 'string', default: 'native' },
      socket: { type: 'string', default: DEFAULT_SOCKET },
      'no-build': { type: 'boolean' },
      'if-needed': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !command) return void process.stdout.write(`${usage}\n`);
  const binDir = join(ROOT, 'out/bin');
  const dest = resolve(values.dest);

  switch (command) {
    case 'install': {
      // Always build every plugin, so one binary serves whatever gets installed later.
      if (!values['no-build']) await build({ ifNeeded: true });
      const r = install({ binDir, dest, plugins: positionals, mode: values.mode, socket: values.socket });
      process.stdout.write(`installed ${r.installed.join(', ')} into ${r.dest} (${r.mode}${r.socket ? `, server socket ${r.socket}` : ''})\n`);
      return;
    }
    case 'build':
      await build({ ifNeeded: !!values['if-needed'], only: positionals });
      return;
    case 'list': {
      const manifestFile = join(binDir, 'manifest.json');
      const built = existsSync(manifestFile) ? JSON.parse(readFileSync(manifestFile, 'utf8')) : null;
      for (const p of discoverPlugins(ROOT)) {
        const isBuilt = built?.plugins.some((b) => b.name === p.name) ? 'built' : 'not built';
        const target = join(dest, p.name);
        const where = existsSync(target) ? `installed in ${dest} (${statSync(target).size} bytes)` : '';
        process.stdout.write(`${[p.name.padEnd(14), p.package.padEnd(22), isBuilt.padEnd(10), where].join(' ').trimEnd()}\n`);
      }
      return;
    }
    default:
      fail(`unknown command "${command}"\n${usage}`);
  }
}

main(process.argv.slice(2)).catch((err) => fail(err.message));
