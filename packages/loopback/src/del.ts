import type { CniRequest } from '@cni-ts/cni';
import { linkByName, linkSetDown, NetnsNotExistError, withNetns } from '@cni-ts/netlink';

/**
 * DEL: sets lo down. Without a netns, or when the netns is already gone, there is nothing to
 * undo (runtimes may call DEL repeatedly, or after the namespace was removed).
 */
export function cmdDel(req: CniRequest): void {
  if (req.netns === '') return;
  try {
    withNetns(req.netns, () => linkSetDown(linkByName('lo')));
  } catch (err) {
    if (err instanceof NetnsNotExistError) return;
    throw err;
  }
}
