// Shared by the capture scripts: netlink datagrams out of `strace -e write=all -e read=all`.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

/** The sendmsg/sendto/recvmsg/recvfrom buffers of an strace log, as {dir: 'send'|'recv', hex}. */
export function parseStrace(file) {
  const out = [];
  let cur = null;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const call = line.match(/^\d+\s+(sendmsg|sendto|recvmsg|recvfrom)\(/);
    if (call) {
      cur = { dir: call[1].startsWith('send') ? 'send' : 'recv', hex: '' };
      out.push(cur);
      continue;
    }
    const dump = line.match(/^ \| [0-9a-f]{5}  ((?:[0-9a-f]{2} {1,2})+)/);
    if (dump && cur) cur.hex += dump[1].replace(/\s+/g, '');
  }
  return out.filter((m) => m.hex);
}

/** The netlink messages of one datagram: {type, flags, hex} each. */
export function splitMessages(hex) {
  const b = Buffer.from(hex, 'hex');
  const msgs = [];
  for (let off = 0; off + 16 <= b.length; ) {
    const len = b.readUInt32LE(off);
    if (len < 16 || off + len > b.length) break;
    msgs.push({ type: b.readUInt16LE(off + 4), flags: b.readUInt16LE(off + 6), hex: b.subarray(off, off + len).toString('hex') });
    off += (len + 3) & ~3;
  }
  return msgs;
}

/** Runs argv under strace; returns its exit status, stderr and every netlink message, in order. */
export function straceNetlink(argv, opts = {}) {
  const file = `/tmp/cnicap-${process.pid}.txt`;
  const r = spawnSync(
    'strace',
    ['-f', '-qq', '-e', 'trace=sendmsg,sendto,recvmsg,recvfrom', '-e', 'write=all', '-e', 'read=all', '-o', file, ...argv],
    opts,
  );
  const datagrams = parseStrace(file);
  rmSync(file, { force: true });
  const msgs = datagrams.flatMap((d) => splitMessages(d.hex).map((m) => ({ dir: d.dir, ...m })));
  return { status: r.status, stderr: String(r.stderr ?? '').trim(), stdout: String(r.stdout ?? ''), msgs };
}
