export const USAGE = `usage: cni-ts <command> [options] <network> <netns>

commands (cnitool-compatible):
  add <network> <netns>      ADD the network list to the namespace; prints the result
  check <network> <netns>    CHECK it against the cached result
  del <network> <netns>      DEL it (plugins in reverse order, with the cached result)
  gc <network> [<netns>]     DEL every cached attachment of the network not given with --valid, then GC
  status <network> [<netns>] STATUS of every plugin of the list
  validate <file>...         check conf/conflist files against the plugins' schemas (no kernel access)

options:
  -i, --ifname NAME          interface in the namespace (default: $CNI_IFNAME, else eth0)
      --cache-dir DIR        result cache directory (default: $CNI_TS_CACHE_DIR, else /var/lib/cni)
      --timeout SECONDS      kill an exec'd plugin after this long (default: $CNI_TS_TIMEOUT, else none)
      --exec                 exec every plugin, even ours (default: ours run in-process; $CNI_TS_EXEC=1)
      --valid ID/IFNAME      gc: an attachment to keep (repeatable)
  -v, --verbose              report each plugin run (in-process or exec, time) on stderr ($CNI_TS_VERBOSE=1)
  -h, --help

environment (as cnitool): NETCONFPATH (default /etc/cni/net.d), CNI_PATH, CNI_ARGS (k=v;k=v),
CAP_ARGS (JSON object of capability arguments), CNI_IFNAME.
The container id is derived from the netns path as cnitool does: cnitool-<hex of sha512(path)[:10]>.
`;
