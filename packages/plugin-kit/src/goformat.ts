// The texts Go's %v gives CNI types inside upstream error messages.
import type { IPConfig100, Route } from '@cni-ts/cni';

/** %v of a *current.IPConfig (its String() is "%+v" of the struct). */
export function ipConfigText(ipc: IPConfig100): string {
  const iface = ipc.interface === undefined ? '<nil>' : String(ipc.interface);
  return `{Interface:${iface} Address:${ipc.address} Gateway:${ipc.gateway ?? '<nil>'}}`;
}

/** %v of a *types.Route (types.Route.String()). */
export function routeText(r: Route): string {
  const table = r.table === undefined ? '<nil>' : String(r.table);
  const scope = r.scope === undefined ? '<nil>' : String(r.scope);
  return `{Dst:${r.dst} GW:${r.gw ?? '<nil>'} MTU:${r.mtu ?? 0} AdvMSS:${r.advmss ?? 0} Priority:${r.priority ?? 0} Table:${table} Scope:${scope}}`;
}
