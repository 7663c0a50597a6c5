// Compiles launcher.c into the flat code blob native-launcher.mjs carries (CODE_X64), with
// Debian's gcc and binutils (tools/bootstrap.sh installs them):
//   node tools/install/compile-launcher.mjs          prints the hex
//   node tools/install/compile-launcher.mjs --write  rewrites CODE_X64 and CODE_ARM64 in native-launcher.mjs
//   node tools/install/compile-launcher.mjs --arch arm64   the arm64 hex (gcc-aarch64-linux-gnu)
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

/** Debian's cross tools per architecture (the host is x86-64). */
export const TOOLCHAINS = {
  x64: { cc: 'gcc', ld: 'ld', objcopy: 'objcopy' },
  arm64: { cc: 'aarch64-linux-gnu-gcc', ld: 'aarch64-linux-gnu-ld', objcopy: 'aarch64-linux-gnu-objcopy' },
};

/** @param {{cc?: string, ld?: string, objcopy?: string, arch?: 'x64' | 'arm64'}} [tools] @returns {Buffer} */
export function compileLauncher({ arch = 'x64', ...tools } = {}) {
  const { cc, ld, objcopy } = { ...TOOLCHAINS[arch], ...tools };
  // -fcf-protection is x86's (CET). On arm64 the default code model reaches data with adrp, which
  // is relative to the 4 KB page: right only where the code sits at its link-time page offset,
  // and native-launcher.mjs places it after a marker of varying length. The tiny model uses adr
  // (PC-relative to the byte, +-1 MB), as x86-64's RIP-relative addressing is.
  const cflags = arch === 'x64' ? CFLAGS : [...CFLAGS.filter((f) => f !== '-fcf-protection=none'), '-mcmodel=tiny'];
  const dir = mkdtempSync(join(tmpdir(), 'cni-ts-launcher-'));
  try {
    execFileSync(cc, [...cflags, '-c', join(here, 'launcher.c'), '-o', join(dir, 'l.o')], { stdio: ['ignore', 'ignore', 'pipe'] });
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
  if (process.argv.includes('--write')) {
    const file = join(here, 'native-launcher.mjs');
    let src = readFileSync(file, 'utf8');
    for (const [arch, name] of [['x64', 'CODE_X64'], ['arm64', 'CODE_ARM64']]) {
      const hex = compileLauncher({ arch }).toString('hex');
      const next = src.replace(new RegExp(`(export const ${name} = Buffer\\.from\\(\\n\\s*')[0-9a-f]*(')`), `$1${hex}$2`);
      if (next === src && !src.includes(hex)) throw new Error(`${name} not found in native-launcher.mjs`);
      src = next;
    }
    writeFileSync(file, src);
  } else {
    const i = process.argv.indexOf('--arch');
    process.stdout.write(`${compileLauncher({ arch: i > 0 ? process.argv[i + 1] : 'x64' }).toString('hex')}\n`);
  }
}
