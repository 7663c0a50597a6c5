// Kernel modules the guest loads before the command starts. modprobe resolves their
// dependencies from modules.dep, so only the features are named here. The kernel also
// auto-loads anything else on demand (request_module -> /sbin/modprobe), which works because
// the guest links /lib/modules/<ver> to Debian's UML module tree; loading these up front keeps
// the first test of each file from paying for it and makes a missing feature fail at boot.

/** Link kinds the host kernel lacks (ipvlan, 8021q, dummy, vrf) and the ones plugins create. */
const links = ['ipv6', 'dummy', 'veth', 'macvlan', 'ipvlan', '8021q', 'vrf', 'bridge', 'tun', 'ifb', 'vxlan'];

/** Traffic control used by the bandwidth plugin (tbf on an ifb redirected from ingress). */
const tc = ['sch_tbf', 'sch_htb', 'sch_ingress', 'cls_u32', 'act_mirred'];

/**
 * Masquerade and port mapping through iptables. Debian's UML kernel has nf_tables without the
 * ip/ip6/inet families, so nft (and iptables-nft) cannot do NAT there: the guest switches the
 * iptables commands to the legacy backend (x_tables) instead.
 */
const netfilter = [
  'nf_conntrack',
  'nf_nat',
  'ip_tables',
  'ip6_tables',
  'iptable_filter',
  'iptable_nat',
  'iptable_mangle',
  'iptable_raw',
  'ip6table_filter',
  'ip6table_nat',
  'ip6table_mangle',
  'ip6table_raw',
  'xt_MASQUERADE',
  'xt_nat',
  'xt_comment',
  'xt_addrtype',
  'xt_conntrack',
  'xt_mark',
  'xt_multiport',
  'xt_tcpudp',
  'xt_statistic',
  'nf_tables',
  'nft_compat',
  'nft_masq',
  'nft_ct',
];

export const MODULES = [...links, ...tc, ...netfilter];
