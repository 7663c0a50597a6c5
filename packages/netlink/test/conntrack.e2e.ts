// ctnetlink against the real kernel: UDP flows between two namespaces are tracked, then the ones
// to one destination port are deleted (what portmap does for a newly mapped UDP port).
import { describe, expect, it } from 'vitest';
import { NODE, checkLeaks, must, testEnv } from '@cni-ts/testkit';
import { NftTransaction, nftMatch as m, nftStmt as s, openNetfilterHandle } from '../src/index';

/** Sends one UDP datagram from `ns` (source port `sport`) to dst:dport. */
function sendUdp(ns: string, src: string, sport: number, dst: string, dport: number): void {
  const type = dst.includes(':') ? 'udp6' : 'udp4';
  const code = `const s=require('dgram').createSocket('${type}');s.bind(${sport},'${src}',()=>s.send('x',${dport},'${dst}',(e)=>{s.close();if(e)throw e}))`;
  must('ip', ['netns', 'exec', ns, NODE, '-e', code]);
}

describe('conntrack over netlink', () => {
  checkLeaks();

  it('lists tracked UDP flows and deletes those to one destination port, per family', () => {
    const env = testEnv();
    const [a, b] = [env.host, env.container];
    must('ip', ['-n', a.name, 'link', 'add', 'ct0', 'type', 'veth', 'peer', 'name', 'ct1', 'netns', b.name]);
    must('ip', ['-n', a.name, 'addr', 'add', '10.250.0.1/24', 'dev', 'ct0']);
    must('ip', ['-n', a.name, 'addr', 'add', 'fd00:250::1/64', 'dev', 'ct0', 'nodad']);
    must('ip', ['-n', b.name, 'addr', 'add', '10.250.0.2/24', 'dev', 'ct1']);
    must('ip', ['-n', b.name, 'addr', 'add', 'fd00:250::2/64', 'dev', 'ct1', 'nodad']);
    must('ip', ['-n', a.name, 'link', 'set', 'ct0', 'up']);
    must('ip', ['-n', b.name, 'link', 'set', 'ct1', 'up']);

    const h = openNetfilterHandle(a.path);
    try {
      // Conntrack runs in a namespace only when its ruleset needs it: one `ct state` rule does.
      const T = { family: 'inet', table: 'cnits_track' } as const;
      h.nftCommit(
        new NftTransaction()
          .addTable({ family: 'inet', name: T.table })
          .addChain({ ...T, name: 'in', type: 'filter', hook: 'input', priority: 0 })
          .addRule({ ...T, chain: 'in', exprs: [...m.ctState(['new']), ...s.counter()] }),
      );
      sendUdp(b.name, '10.250.0.2', 40001, '10.250.0.1', 5353);
      sendUdp(b.name, '10.250.0.2', 40002, '10.250.0.1', 5354);
      sendUdp(b.name, 'fd00:250::2', 40003, 'fd00:250::1', 5353);

      const flows = h.conntrackList({ proto: 'udp' });
      expect(flows.map((f) => `${f.family} ${f.orig.src}:${f.orig.sport} -> ${f.orig.dst}:${f.orig.dport}`).toSorted()).toEqual([
        '4 10.250.0.2:40001 -> 10.250.0.1:5353',
        '4 10.250.0.2:40002 -> 10.250.0.1:5354',
        '6 fd00:250::2:40003 -> fd00:250::1:5353',
      ]);
      const f = flows.find((x) => x.orig.sport === 40001)!;
      expect(f.reply).toEqual({ src: '10.250.0.1', dst: '10.250.0.2', proto: 17, sport: 5353, dport: 40001 });
      expect(h.conntrackList({ proto: 'tcp' })).toEqual([]);
      expect(h.conntrackList({ family: 6 })).toHaveLength(1);
      expect(h.conntrackList({ proto: 'udp', origSrc: '10.250.0.0/24', origDstPort: 5354 })).toHaveLength(1);
      expect(() => h.conntrackList({ origDstPort: 1 })).toThrow('a conntrack port filter needs a protocol');

      // portmap's flush: IPv4, UDP, original destination port 5353.
      expect(h.conntrackDelete({ family: 4, proto: 'udp', origDstPort: 5353 })).toBe(1);
      const left = h.conntrackList({ proto: 'udp' }).map((x) => `${x.family} ${x.orig.dport}`);
      expect(left.toSorted()).toEqual(['4 5354', '6 5353']);
      const proc = must('ip', ['netns', 'exec', a.name, 'cat', '/proc/net/nf_conntrack']);
      expect(proc).not.toMatch(/udp .* dport=5353 .*src=10\.250/);
      expect(proc).toMatch(/dport=5354/);
      expect(h.conntrackDelete({ family: 4, proto: 'udp', origDstPort: 5353 })).toBe(0);
      expect(h.conntrackDelete({ family: 6, proto: 'udp', origDstPort: 5353 })).toBe(1);
      expect(h.conntrackList({ proto: 'udp' }).map((x) => x.orig.dport)).toEqual([5354]);
    } finally {
      h.close();
    }
  });
});
