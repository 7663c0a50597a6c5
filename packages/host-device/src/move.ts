// Moving a device between the host and the container through a temporary namespace (v1.6.0+):
// renaming it on the host would race with udev and NetworkManager. Each step undoes itself if a
// later one fails, so a failed move leaves the device where and as it was.
import { currentNetns, linkByName, linkSet, linkSetNsFd, linkSetUp, tempNetns, withNetns, type Link, type Netns } from '@cni-ts/netlink';
import { errText, Rollback } from '@cni-ts/plugin-kit';

const q = JSON.stringify;

function fail(text: string, err: unknown): Error {
  return new Error(`${text}: ${errText(err)}`, { cause: err });
}

/** Runs `fn` with a temporary namespace and a handle on the current (host) one. */
function withTemp<T>(fn: (temp: Netns, host: Netns) => T): T {
  let temp: Netns;
  try {
    temp = tempNetns();
  } catch (err) {
    throw fail('failed to create tempNS', err);
  }
  const host = currentNetns();
  try {
    return fn(temp, host);
  } finally {
    temp.close();
    host.close();
  }
}

/** Runs every undo step of `rb` after `err`, then rethrows `err`. */
function unwind(rb: Rollback, err: unknown): never {
  rb.runSync();
  throw err;
}

/**
 * moveLinkIn: host device → temp ns (renamed to `ifname`, alias = its host name) → container,
 * set up there. Called from the host namespace. Returns the device as seen in the container.
 */
export function moveLinkIn(hostDev: Link, container: Netns, ifname: string): Link {
  const hostName = hostDev.name;
  return withTemp((temp, host) => {
    const rb = new Rollback();
    // Moving between namespaces sets the link down: restore the host state on failure.
    if (hostDev.up) rb.add('setting host device up', () => withNetns(host, () => linkSetUp(linkByName(hostName).index)));
    try {
      try {
        linkSetNsFd(hostDev.index, temp);
      } catch (err) {
        throw fail(`failed to move ${q(hostName)} to tempNS`, err);
      }
      return withNetns(temp, () => {
        let dev: Link;
        try {
          dev = linkByName(hostName);
        } catch (err) {
          throw fail(`failed to find ${q(hostName)} in tempNS`, err);
        }
        // Where the device is now decides how to send it home (a destroyed temp ns would send a
        // physical device to the initial namespace, not to ours, and destroy a virtual one).
        let index = dev.index;
        rb.add('moving the device back to the host', () => withNetns(temp, () => linkSetNsFd(index, host)));
        try {
          linkSet(index, { name: ifname });
        } catch (err) {
          throw fail(`failed to rename host device ${q(hostName)} to ${q(ifname)}`, err);
        }
        rb.add('restoring the device name', () => withNetns(temp, () => linkSet(index, { name: hostName })));
        try {
          linkSet(index, { alias: hostName });
        } catch (err) {
          throw fail(`failed to set alias to ${q(hostName)}`, err);
        }
        rb.add('clearing the alias', () => withNetns(temp, () => linkSet(index, { alias: '' })));
        try {
          linkSetNsFd(index, container);
        } catch (err) {
          throw fail(`failed to move ${q(ifname)} (host: ${q(hostName)}) to container NS`, err);
        }
        return withNetns(container, () => {
          let contDev: Link;
          try {
            contDev = linkByName(ifname);
          } catch (err) {
            throw fail(`failed to find ${q(ifname)} in container NS`, err);
          }
          rb.add('moving the device back to the temporary namespace', () =>
            withNetns(container, () => {
              linkSetNsFd(contDev.index, temp);
              index = withNetns(temp, () => linkByName(ifname).index);
            }),
          );
          try {
            linkSetUp(contDev.index);
          } catch (err) {
            throw fail(`failed to set ${q(ifname)} up`, err);
          }
          rb.commit();
          return linkByName(ifname);
        });
      });
    } catch (err) {
      unwind(rb, err);
    }
  });
}

/**
 * moveLinkOut: container device `ifname` → temp ns (renamed back to its alias, alias cleared)
 * → host, left down (its previous state is unknown) unless `up`. Called from the host namespace.
 */
export function moveLinkOut(container: Netns, ifname: string, { up = false }: { up?: boolean } = {}): void {
  withTemp((temp, host) => {
    const rb = new Rollback();
    try {
      const contDev = withNetns(container, () => {
        let dev: Link;
        try {
          dev = linkByName(ifname);
        } catch (err) {
          throw fail(`failed to find ${q(ifname)} in containerNS`, err);
        }
        if (!dev.alias) throw new Error(`failed to find original ifname for ${q(ifname)} (alias is not set)`);
        try {
          linkSetNsFd(dev.index, temp);
        } catch (err) {
          throw fail(`failed to move ${q(ifname)} to tempNS`, err);
        }
        return dev;
      });
      if (contDev.up) rb.add('setting the container device up', () => withNetns(container, () => linkSetUp(linkByName(ifname).index)));
      withNetns(temp, () => {
        let dev: Link;
        try {
          dev = linkByName(ifname);
        } catch (err) {
          throw fail(`failed to find ${q(ifname)} in tempNS`, err);
        }
        rb.add('moving the device back to the container', () => withNetns(temp, () => linkSetNsFd(dev.index, container)));
        const hostName = dev.alias ?? '';
        try {
          linkSet(dev.index, { name: hostName });
        } catch (err) {
          throw fail(`failed to rename device ${q(ifname)} to ${q(hostName)}`, err);
        }
        rb.add('restoring the container name', () => withNetns(temp, () => linkSet(dev.index, { name: ifname })));
        try {
          linkSet(dev.index, { alias: '' });
        } catch (err) {
          throw fail(`failed to unset alias of ${q(hostName)}`, err);
        }
        rb.add('restoring the alias', () => withNetns(temp, () => linkSet(dev.index, { alias: hostName })));
        try {
          linkSetNsFd(dev.index, host);
        } catch (err) {
          throw fail(`failed to move ${q(hostName)} to hostNS`, err);
        }
        rb.commit();
        if (up) withNetns(host, () => linkSetUp(linkByName(hostName).index));
      });
    } catch (err) {
      unwind(rb, err);
    }
  });
}
