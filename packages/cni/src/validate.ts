// pkg/utils: validation of container ids, network names and interface names, with the
// reference's codes and texts.
import { CniError, ErrCode } from './errors';

const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MAX_IFNAME_BYTES = 15;
// Go's unicode.IsSpace is the Unicode White_Space property (U+0085 and U+00A0 included).
const WHITESPACE = /\p{White_Space}/u;

/** Empty: code 3 `missing containerID`; bad characters: code 4, details = the id. */
export function validateContainerId(containerId: string): CniError | undefined {
  if (containerId === '') return new CniError(ErrCode.unknownContainer, 'missing containerID');
  if (!VALID_NAME.test(containerId)) {
    return new CniError(ErrCode.invalidEnvironmentVariables, 'invalid characters in containerID', containerId);
  }
  return undefined;
}

/** Empty: code 7 `missing network name:` (the colon is the reference's); bad: code 7, details = name. */
export function validateNetworkName(name: string): CniError | undefined {
  if (name === '') return new CniError(ErrCode.invalidNetworkConfig, 'missing network name:');
  if (!VALID_NAME.test(name)) {
    return new CniError(ErrCode.invalidNetworkConfig, 'invalid characters found in network name', name);
  }
  return undefined;
}

/** The kernel's rules for a link name (net/core/dev.c dev_valid_name), all code 4. */
export function validateInterfaceName(ifname: string): CniError | undefined {
  const code = ErrCode.invalidEnvironmentVariables;
  if (ifname.length === 0) return new CniError(code, 'interface name is empty');
  if (Buffer.byteLength(ifname) > MAX_IFNAME_BYTES) {
    return new CniError(code, 'interface name is too long', `interface name should be less than ${MAX_IFNAME_BYTES + 1} characters`);
  }
  if (ifname === '.' || ifname === '..') return new CniError(code, 'interface name is . or ..');
  // Not in Go's rule (an environment variable cannot carry one), but names also come from pod
  // annotations: the kernel would cut the name at the NUL and Node's fs refuses it in a path.
  if (ifname.includes('\0')) return new CniError(code, 'interface name contains a NUL character');
  for (const ch of ifname) {
    if (ch === '/' || ch === ':' || WHITESPACE.test(ch)) {
      return new CniError(code, 'interface name contains / or : or whitespace characters');
    }
  }
  return undefined;
}
