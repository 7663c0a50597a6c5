// vlanTrunk → the sorted, de-duplicated list of trunk VLAN IDs (upstream collectVlanTrunk,
// itself taken from ovs-cni), with upstream's error texts.

export interface TrunkEntry {
  minID?: number | undefined;
  maxID?: number | undefined;
  id?: number | undefined;
}

export class TrunkError extends Error {
  override name = 'TrunkError';
  readonly field: string;
  constructor(message: string, field: string) {
    super(message);
    this.field = field;
  }
}

const valid = (v: number) => v > 0 && v <= 4094;

/** The trunk VLAN IDs, or a TrunkError (returned, so the caller wraps it). Absent or empty: []. */
export function collectVlanTrunk(trunk: readonly (TrunkEntry | undefined)[] | undefined): number[] | TrunkError {
  const ids = new Set<number>();
  for (const [i, item = {}] of (trunk ?? []).entries()) {
    const at = `vlanTrunk[${i}]`;
    const { minID, maxID, id } = item;
    if (minID !== undefined && maxID !== undefined) {
      if (!valid(minID)) return new TrunkError('incorrect trunk minID parameter', `${at}.minID`);
      if (!valid(maxID)) return new TrunkError('incorrect trunk maxID parameter', `${at}.maxID`);
      if (maxID < minID) return new TrunkError('minID is greater than maxID in trunk parameter', at);
      for (let v = minID; v <= maxID; v++) ids.add(v);
    } else if (maxID !== undefined) {
      return new TrunkError('minID and maxID should be configured simultaneously, minID is missing', at);
    } else if (minID !== undefined) {
      return new TrunkError('minID and maxID should be configured simultaneously, maxID is missing', at);
    }
    if (id !== undefined) {
      if (!valid(id)) return new TrunkError('incorrect trunk id parameter', `${at}.id`);
      ids.add(id);
    }
  }
  return [...ids].toSorted((a, b) => a - b);
}
