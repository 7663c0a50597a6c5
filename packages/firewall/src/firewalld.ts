// The firewalld backend (firewalld.go): each container address joins a firewalld zone (default
// `trusted`) through org.fedoraproject.FirewallD1.zone on the system bus; DEL takes it out again,
// CHECK asks whether it is there. Spoken with our own small D-Bus client (dbus.ts).
import type { CniRequest } from '@cni-ts/cni';
import type { Backend } from './backend';
import { hostPrefix, type FirewallConf } from './config';
import { DBusConnection, nameHasOwner, systemBusAddress } from './dbus';

export const FIREWALLD = 'org.fedoraproject.FirewallD1';
const PATH = '/org/fedoraproject/FirewallD1';
const ZONE = 'org.fedoraproject.FirewallD1.zone';

/** isFirewalldRunning: the system bus answers and the name has an owner. */
export async function isFirewalldRunning(env: CniRequest['env']): Promise<boolean> {
  let conn: DBusConnection | undefined;
  try {
    conn = await DBusConnection.connect(systemBusAddress(env), 2000);
    return await nameHasOwner(conn, FIREWALLD);
  } catch {
    return false;
  } finally {
    conn?.close();
  }
}

export function firewalldBackend(conf: FirewallConf, env: CniRequest['env']): Backend {
  const ips = (conf.result.ips ?? []).map((ip) => hostPrefix(ip.address));
  const withBus = async (fn: (c: DBusConnection) => Promise<void>) => {
    const conn = await DBusConnection.connect(systemBusAddress(env));
    try {
      await fn(conn);
    } finally {
      conn.close();
    }
  };
  const call = (c: DBusConnection, member: string, ip: string) => c.call({ destination: FIREWALLD, path: PATH, iface: ZONE, member, args: [conf.zone, ip] });
  return {
    add: () =>
      withBus(async (c) => {
        for (const ip of ips) {
          try {
            await call(c, 'addSource', ip);
          } catch (err) {
            if (!(err as Error).message.includes('ZONE_ALREADY_SET')) {
              throw new Error(`failed to add the address ${ip} to ${conf.zone} zone: ${(err as Error).message}`, { cause: err });
            }
          }
        }
      }),
    // Errors are ignored, as upstream (the address may be gone already).
    del: () =>
      withBus(async (c) => {
        for (const ip of ips) await call(c, 'removeSource', ip).catch(() => undefined);
      }),
    check: () =>
      withBus(async (c) => {
        for (const ip of ips) {
          // upstream only fails when the call fails; a "false" answer means the source is not there
          const r = await call(c, 'querySource', ip).catch(() => undefined);
          if (r === undefined || r.values[0] !== true) throw new Error(`failed to find the address ${ip} in ${conf.zone} zone`);
        }
      }),
  };
}
