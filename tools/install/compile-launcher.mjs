// Compiles launcher.c into the flat code blob native-launcher.mjs carries (CODE_X64), with
// Debian's gcc and binutils (tools/bootstrap.sh installs them):
//   node tools/install/compile-launcher.mjs          prints the hex
//   node tools/install/compile-launcher.mjs --write  rewrites CODE_X64 in native-launcher.mjs
// native-launcher.test.ts compiles it again and compares, so the committed bytes are this source's.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = import.meta.dirname;

export const CFLAGS = [
  '-Os',
  '-std=gnu11',
  '-ffreestanding',
  '-fno-builtin',
  '-nostdlib',
  '-fPIE',
  '-fno-stack-protector',
  '-fno-asynchronous-unwind-tables',
  '-fno-unwind-tables',
  '-fcf-protection=none',
  '-fno-jump-tables',
  '-fno-tree-loop-distribute-patterns',
  '-fno-stack-clash-protection',
  '-Wall',
  '-Werror',
];

/** @param {{cc?: string, ld?: string, objcopy?: string}} [tools] @returns {Buffer} */
export function compileLauncher({ cc = 'gcc', ld = 'ld', objcopy = 'objcopy' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cni-ts-launcher-'));
  try {
    execFileSync(cc, [...CFLAGS, '-c', join(here, 'launcher.c'), '-o', join(dir, 'l.o')], { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync(ld, ['-static', '-T', join(here, 'launcher.ld'), '-o', join(dir, 'l.elf'), join(dir, 'l.o')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const relocs = execFileSync('readelf', ['-r', join(dir, 'l.elf')], { encoding: 'utf8' });
    if (/R_X86_64|R_AARCH64/.test(relocs)) throw new Error(`launcher.c needs relocations (a global with an address?):\n${relocs}`);
    execFileSync(objcopy, ['-O', 'binary', '-j', '.text', join(dir, 'l.elf'), join(dir, 'l.bin')]);
    const code = readFileSync(join(dir, 'l.bin'));
    const pad = (8 - (code.length % 8)) % 8;
    return Buffer.concat([code, Buffer.alloc(pad)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const hex = compileLauncher().toString('hex');
  if (process.argv.includes('--write')) {
    const file = join(here, 'native-launcher.mjs');
    const src = readFileSync(file, 'utf8');
    const next = src.replace(/(export const CODE_X64 = Buffer\.from\(\n\s*')[0-9a-f]*(')/, `$1${hex}$2`);
    if (next === src && !src.includes(hex)) throw new Error('CODE_X64 not found in native-launcher.mjs');
    writeFileSync(file, next);
  } else {
    process.stdout.write(`${hex}\n`);
  }
}
