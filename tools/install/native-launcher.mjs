// The native launcher (`pnpm cni install`, the default mode): a static ELF of about 2.5 KB,
// installed as /opt/cni/bin/<plugin> beside the single-executable binary. It answers
// CNI_COMMAND=VERSION with the exact bytes the plugin's skeleton prints (captured at build time),
// so VERSION costs an exec of a tiny file instead of a Node start (~1 ms instead of ~30); it hands
// ADD/DEL/CHECK/GC/STATUS to the resident server when one answers on the recorded socket
// (packages/server), and execs `cni-ts-plugins <plugin> <args...>` for everything else. It needs
// no shell and no libc, so it works on hosts without /bin/sh (Talos). The machine code is
// launcher.c, compiled once with gcc (compile-launcher.mjs) and kept here as bytes, so that
// installing needs no compiler; native-launcher.test.ts compiles launcher.c again and compares.

/** compile-launcher.mjs's output for x86-64: code and constants, ending at `tbl` (8-aligned). */
export const CODE_X64 = Buffer.from(
  '4889e74883e4f0e8ff00000031c08a140684d2740e8a0c0748ffc038d174ef31d2eb0f31d24801c7740831d2803f000f94c289d0c3554189c94863ffbd2c00000053bb010000004885d274314585c9740e41ba004000004531c04889e8eb094531d24531c04889d80f054883f8fc74dc4885c07e0c4801c64829c2ebca31c0eb0383c8ff5b5dc34863ff4531d24531c031c00f054883f8fc74f04885c07e0b4801c64829c275e331c0c383c8ffc38b07c341564189f641554189fd41544989cc555389d385db7433bd000001004c89e64489ef39eb0f46eb4189e94c89cae8a4ffffff85c0751831c94c89ca4c89e64489f7e83effffff29ebebc931c0eb0383c8ff5b5d415c415d415ec3554889e541574156415541545331db4881ecc8000100488b074889bd28fffeff48898538fffeff488b8d38fffeff488d44cf1048898540fffeff4889c2488b024885c0742b4885db7526488d0dbd060000408a314084f6740e48ffc048ffc1403870ff74ec31c04883c2084889c3ebcd4885db4c8d2d630700000f842c050000488d35940600004889dfe872feffff85c07441488b154b0700004885d27435488b353707000031c9bf010000004c01eee875feffff85c0751b41b93c00000031d24531d24531c04c89c84889d74889d60f05ebeb4c8b05320700004d01e8418038000f84c4040000488d35340600004889dfe80afeffff85c07550488d35250600004889dfe8f7fdffff85c0753d488d35160600004889dfe8e4fdffff85c0752a488d35090600004889dfe8d1fdffff85c07517488d35f90500004889dfe8befdffff85c00f84610400004c8b35c30600004c8b3d9c0600004531c94d01ee4d01ef43803c0800740549ffc1ebf44531e443803c2600740549ffc4ebf431db41803c1f00740548ffc3ebf44889d84c09e0483dff0000000f870f0400004983f96b0f8705040000488d8d62fffeff31c0488d9564fffeff66c78562fffeff010048898d20fffeff418a0c00880c0248ffc04939c173f14531d24531c0b829000000bf01000000be0100080031d20f0589854cfffeff85c00f88af0300004898488bb520fffeff498d510348898530fffeffb82a000000488bbd30fffeff0f054885c00f886b030000c685d4fffeff0131c0488d95d6fffeffc785d0fffeff434e54534488a5d5fffeff4c39e0488d4801740d418a3406408834024889c8ebea889c05d6fffeff4801ca31c04839d8740c418a0c07880c0248ffc0ebef4801c28bbd4cfffeffb9010000004c8db5d0fffeff4c29f24c89f6e88efcffff85c00f85ef0200008bbd4cfffeffba010000004c89f6e8c5fcffff89c385c00f85d202000080bdd0fffeff590f85c50200004531d24531c0488d3d6004000031d2b83f010000be010000000f05488b8d40fffeff4189c4488b314885f6741731c0408a3c0648ffc04084ff75f44801c24883c108ebe14c8b8540fffeff8995d0fffeffba040000004d8b384d85ff74514881fa0000010075258bbd4cfffeffb9010000004c89f64c898520fffeffe8dbfbffff4c8b8520fffeff31d209c3418a0f488d4201888c15d0fffeff84c9740849ffc74889c2ebb84983c0084889c2eba78bbd4cfffeffb9010000004c89f6e89afbffff09d84189c7488d85d4fffeff48898520fffeffbafcff000031c0488bb520fffeff4531d24531c04889c70f054889c34883f8fc74e331d24885c0480f49d07e2f4585e4782a488bb520fffeff31c94489e748899518fffeffe83dfbffff488b9518fffeff85c0b8ffffffff440f45e08995d0fffeff4585ff751a8bbd4cfffeff4883c204b9010000004c89f6e809fbffff4189c74885db0f8f76ffffff4585ff0f85ea0000008bbd4cfffeffba010000004c89f6e833fbffff85c00f85cf00000080bdd0fffeff520f85c2000000488d9d5afffeff8bbd4cfffeffba080000004889dee804fbffff85c0740d41b93c000000bf01000000eb734c8da55efffeff4c89f1be020000004c89e7e803fbffff8bbd4cfffeff89c2e8f9faffff85c075cb8bbd4cfffeffba040000004c89e6e8b8faffff85c075b44c89e74c89f1be01000000e8cbfaffff8bbd4cfffeff89c2e8c1faffff85c075934889df41b93c000000e8acfaffff0fb6f8eb1231d24531d24531c04c89c84889d60f05ebee31d24531d24531c04c89c84889d60f05ebee41b90300000031d24531d24531c0488bbd30fffeff4c89c84889d60f054585e47935bf0100000031c9ba60000000488d3520020000e8d0f9ffff41b93c000000bf0100000031d24531d24531c04c89c84889d60f05ebee4963fc4531d24531c0b8080000000f05b8240100000f054c89c8eb1731d2488bbd30fffeff4531d24531c0b8030000004889d60f054883bd38fffeff00b801000000480f4f8538fffeff488d5001488d04c51f0000004883e0f04829c4488d0502020000480305130200004c8d4c24074c89cb4983e1f848c1eb03488904dd08000000b801000000488b8d38fffeff4839c87d14488b8d28fffeff48ffc0488b0cc149890cc1ebe031c04c8da5d0fffeff41bae00f00004531c0498904d1b80b0100004c89e2488d350401000048c7c79cffffff0f05488d50ff4881fade0f000077514889c248ffc841803c042f74074885c075eeeb3d31c04c01e2488d35dd0000008a0c06880c0248ffc04883f80f75f14531d24531c0b83b0000004c89e74c8924dd000000004c89ce488b9540fffeff0f05488b3d3b0100004531d24531c04c89ceb83b000000488b9540fffeff4c01ef48893cdd000000000f05488b3522010000488b1523010000bf0100000031c94c01eee839f8ffff41b93c000000bf0100000031d24531d24531c04c89c84889d60f05ebee434e495f434f4d4d414e443d0056455253494f4e004144440044454c00434845434b0047430053544154555300636e692d74732d737464696e002f70726f632f73656c662f65786500636e692d74732d706c7567696e7300662e0f1f8400000000000f1f4400007b22636f6465223a3939392c226d7367223a22636e692d7473206c61756e636865723a20746865207265736964656e74207365727665722077656e74206177617920616e6420737464696e2063616e6e6f74206265207265706c61796564227d0000000000000000',
  'hex',
);
export const CODE = CODE_X64;

export const BASE = 0x400000;
const EHDR = 64;
const PHDR = 56;
/** Eight quadwords after the code: offsets and lengths of the per-plugin data (`struct table` in launcher.c). */
const TBL = 64;

/** The marker @cni-ts/chain and @cni-ts/cni look for in a plugin's first 512 bytes. */
export const marker = (name) => `\n# cni-ts ${name} plugin: native launcher generated by \`pnpm cni install\` (tools/install/launcher.c)\n`;

const align = (n, a) => Math.ceil(n / a) * a;

/**
 * @param {{name: string, binary: string, version?: string, socket?: string, buildId?: string}} o
 *   binary: absolute path of the SEA at install time, used when the launcher is not beside it;
 *   socket: the resident server's socket (none: never forward); buildId: the build's id (manifest)
 * @returns {Buffer} the whole executable
 */
export function nativeLauncher({ name, binary, version, socket = '', buildId = '' }) {
  if ([name, binary, socket, buildId].some((s) => s.includes('\0'))) throw new Error('a plugin name, path or build id cannot contain NUL');
  if (Buffer.byteLength(socket) > 107) throw new Error(`socket path longer than 107 bytes: ${socket}`);
  if (socket && !socket.startsWith('/')) throw new Error(`socket path must be absolute: ${socket}`);
  if (socket && !buildId) throw new Error('a launcher that forwards to the server needs the build id');
  const mark = Buffer.from(marker(name), 'latin1');
  if (EHDR + PHDR + mark.length > 400) throw new Error(`plugin name too long for the launcher marker: ${name}`);
  const codeOff = align(EHDR + PHDR + mark.length, 16);
  const tblOff = codeOff + CODE.length;
  const ver = Buffer.from(version ?? '', 'utf8');
  const err = Buffer.from(
    JSON.stringify({ cniVersion: '1.0.0', code: 999, msg: `cni-ts ${name} launcher: cannot execute cni-ts-plugins beside it or at ${binary}` }),
    'utf8',
  );
  const z = (t) => Buffer.from(`${t}\0`, 'utf8');
  const parts = [ver, z(binary), z(name), err, z(socket), z(buildId)];
  const offsets = [];
  let at = TBL;
  for (const p of parts) {
    offsets.push(at);
    at += p.length;
  }
  const size = tblOff + at;
  const out = Buffer.alloc(size);
  // ELF header: 64-bit, little-endian, SysV, ET_EXEC, x86-64, one program header, no sections.
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0);
  out.writeUInt16LE(2, 16);
  out.writeUInt16LE(0x3e, 18);
  out.writeUInt32LE(1, 20);
  out.writeBigUInt64LE(BigInt(BASE + codeOff), 24);
  out.writeBigUInt64LE(BigInt(EHDR), 32);
  out.writeUInt16LE(EHDR, 52);
  out.writeUInt16LE(PHDR, 54);
  out.writeUInt16LE(1, 56);
  out.writeUInt16LE(64, 58);
  // PT_LOAD of the whole file, read + execute.
  out.writeUInt32LE(1, EHDR);
  out.writeUInt32LE(5, EHDR + 4);
  out.writeBigUInt64LE(0n, EHDR + 8);
  out.writeBigUInt64LE(BigInt(BASE), EHDR + 16);
  out.writeBigUInt64LE(BigInt(BASE), EHDR + 24);
  out.writeBigUInt64LE(BigInt(size), EHDR + 32);
  out.writeBigUInt64LE(BigInt(size), EHDR + 40);
  out.writeBigUInt64LE(0x1000n, EHDR + 48);
  mark.copy(out, EHDR + PHDR);
  CODE.copy(out, codeOff);
  const tbl = [offsets[0], ver.length, offsets[1], offsets[2], offsets[3], err.length, offsets[4], offsets[5]];
  tbl.forEach((v, i) => out.writeBigUInt64LE(BigInt(v), tblOff + i * 8));
  parts.forEach((p, i) => p.copy(out, tblOff + offsets[i]));
  return out;
}
