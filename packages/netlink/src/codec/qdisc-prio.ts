// prio and pfifo_fast qdiscs: their TCA_OPTIONS is a bare struct tc_prio_qopt (no attributes).

/** struct tc_prio_qopt: the number of bands and the TC_PRIO (skb->priority) → band map. */
export interface PrioData {
  bands: number;
  priomap: number[];
}

export const PRIO_QOPT_LEN = 20;
/** pfifo_fast's fixed map, and prio's default (linux/sch_generic.h sch_default_prio2band). */
export const DEFAULT_PRIOMAP = [1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1] as const;

export function decodePrio(b: Buffer): PrioData | undefined {
  if (b.length < PRIO_QOPT_LEN) return undefined;
  return { bands: b.readInt32LE(0), priomap: [...b.subarray(4, 20)] };
}

export function encodePrio(d: PrioData): Buffer {
  const b = Buffer.alloc(PRIO_QOPT_LEN);
  b.writeInt32LE(d.bands, 0);
  d.priomap.slice(0, 16).forEach((v, i) => b.writeUInt8(v, 4 + i));
  return b;
}
