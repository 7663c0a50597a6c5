// The ipMasq nftables backend (netlink) against the nft scripts knftables sends for the same
// calls (what this backend used to pipe into `nft -f`): after every ADD and DEL the two namespaces
// must list the same ruleset, handles included.
import { checkLeaks, must, testEnv } from '@cni-ts/testkit';
import { withNetns } from '@cni-ts/netlink';
import { describe, expect, it } from 'vitest';
import { commentForInstance, hashForInstance } from '../src/ipmasq-nftables';
import { setupIPMasqForNetworks, teardownIPMasqForNetworks, type MasqTarget } from '../src/ipmasq';
import { familyOf, networkOf, splitCIDR } from '../src/ip';

checkLeaks();

const TABLE = 'inet cni_plugins_masquerade';
const CHAIN = 'masq_checks';

/** The handles of masq_checks rules whose comment starts with the attachment's hash. */
function handlesIn(ns: string, t: MasqTarget): number[] {
  const r = must('ip', ['netns', 'exec', ns, 'sh', '-c', `nft --json list chain ${TABLE} ${CHAIN} 2>/dev/null || echo '{"nftables":[]}'`]);
  const prefix = hashForInstance(t.network, t.ifname, t.containerId);
  return (JSON.parse(r) as { nftables: { rule?: { handle: number; comment?: string } }[] }).nftables
    .filter((o) => o.rule?.comment?.startsWith(prefix))
    .map((o) => o.rule!.handle);
}

/** knftables' transaction for setupIPMasqNFTables, as nft script. */
function addScript(ns: string, t: MasqTarget): string {
  const comment = JSON.stringify(commentForInstance(t.network, t.ifname, t.containerId));
  return [
    `add table ${TABLE} { comment "Masquerading for plugins from github.com/containernetworking/plugins" ; }`,
    `add chain ${TABLE} ${CHAIN} { comment "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet" ; }`,
    `add chain ${TABLE} postrouting { type nat hook postrouting priority 100 ; }`,
    `flush chain ${TABLE} postrouting`,
    `add rule ${TABLE} postrouting ip daddr == 224.0.0.0/4  return`,
    `add rule ${TABLE} postrouting ip6 daddr == ff00::/8  return`,
    `add rule ${TABLE} postrouting goto ${CHAIN}`,
    ...handlesIn(ns, t).map((h) => `delete rule ${TABLE} ${CHAIN} handle ${h}`),
    ...t.ips.map((ipn) => {
      const ip = familyOf(ipn) === 4 ? 'ip' : 'ip6';
      return `add rule ${TABLE} ${CHAIN} ${ip} saddr == ${splitCIDR(ipn).ip} ${ip} daddr != ${networkOf(ipn)} masquerade comment ${comment}`;
    }),
    '',
  ].join('\n');
}

const delScript = (ns: string, t: MasqTarget): string => handlesIn(ns, t).map((h) => `delete rule ${TABLE} ${CHAIN} handle ${h}\n`).join('');
const ruleset = (ns: string) => must('ip', ['netns', 'exec', ns, 'nft', '-a', 'list', 'ruleset']);

describe('ipMasq, nftables backend', () => {
  it('writes and removes exactly what knftables has nft write', () => {
    const env = testEnv();
    const [theirs, ours] = [env.host, env.container];
    const c1: MasqTarget = { ips: ['10.23.0.2/24', 'fd00:23::2/64'], network: 'masqnet', ifname: 'eth0', containerId: 'ctr1' };
    const c2: MasqTarget = { ips: ['10.23.0.3/24'], network: 'masqnet', ifname: 'eth0', containerId: 'ctr2' };
    const c1again: MasqTarget = { ...c1, ips: ['10.23.0.7/24'] };
    const steps: [string, MasqTarget][] = [
      ['ADD', c1],
      ['ADD', c2],
      ['ADD', c1again],
      ['DEL', { ...c1, ips: [] }],
      ['DEL', c2],
      ['DEL', c2],
    ];
    for (const [cmd, t] of steps) {
      const script = cmd === 'ADD' ? addScript(theirs.name, t) : delScript(theirs.name, t);
      if (script) must('ip', ['netns', 'exec', theirs.name, 'nft', '-f', '-'], script);
      withNetns(ours.path, () => (cmd === 'ADD' ? setupIPMasqForNetworks('nftables', t) : teardownIPMasqForNetworks(t)));
      expect(ruleset(ours.name), `${cmd} ${t.containerId}`).toBe(ruleset(theirs.name));
    }
    expect(ruleset(ours.name)).toContain('chain masq_checks');
    expect(ruleset(ours.name)).not.toContain('masquerade comment');
  });
});
