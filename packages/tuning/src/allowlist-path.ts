/** Where upstream reads the sysctl allow-list from. */
export const DEFAULT_ALLOWLIST = '/etc/cni/tuning/allowlist.conf';
