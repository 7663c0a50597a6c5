// Opening the container namespace with upstream's text. (plugin-kit's openContainerNetns
// shortens a missing path to the bare errno text; Go prints the whole ns.GetNS error.)
import { NetnsNotExistError, NetnsNotNsError, openNetns, type Netns } from '@cni-ts/netlink';
import { errText } from '@cni-ts/plugin-kit';

/** ns.GetNS wrapped as the plugins wrap it: `failed to open netns "<path>": failed to Statfs "<path>": ...`. */
export function openContainerNetns(path: string): Netns {
  try {
    return openNetns(path);
  } catch (err) {
    const text = err instanceof NetnsNotExistError || err instanceof NetnsNotNsError ? err.message : errText(err);
    throw new Error(`failed to open netns ${JSON.stringify(path)}: ${text}`, { cause: err });
  }
}
