/**
 * Put-back: after spilling, a buffer that moved may fit in an earlier candidate on top of that
 * pool's plan after all (spill decisions are made before the final packings are known). Moved
 * buffers are tried most costly first; each goes to the first earlier candidate whose lowest free
 * offset keeps it within the pool. An overlay group is one unit here too: it moves back whole, at
 * the lowest offset clear of its neighbors' zones.
 */
import { alignUp } from './place-in-order.js';
import { alignmentIn, costIn, poolOf, sizeIn, type PoolChoices } from './pool-choice.js';
import { lowestAllowed, zonesOfUnit, type UnitLayout } from './overlay.js';

export interface PutBackResult {
  /** The new assignment (same indexing as the input `choice`). */
  readonly choice: number[];
  /** offsets[k]: buffer index -> offset of every buffer in pool k, after the moves. */
  readonly offsets: ReadonlyMap<number, number>[];
  /** Pools whose buffers changed (their packing is no longer the strategy's answer). */
  readonly changedPools: ReadonlySet<number>;
}

/**
 * Moves spilled buffers (choice[i] > 0) back into an earlier candidate where they fit.
 * `offsets[k]` gives the current offsets in pool k (one map per pool); `neighbors` is the conflict
 * graph of all buffers. Inputs are not modified.
 */
export function putBack(
  pc: PoolChoices,
  neighbors: readonly (readonly number[])[],
  choice: readonly number[],
  offsets: readonly ReadonlyMap<number, number>[],
): PutBackResult {
  const { buffers, pools } = pc;
  const nextChoice = [...choice];
  const nextOffsets: ReadonlyMap<number, number>[] = [...offsets];
  const changedPools = new Set<number>();
  const writable = (k: number): Map<number, number> => {
    if (!changedPools.has(k)) {
      nextOffsets[k] = new Map(offsets[k]!);
      changedPools.add(k);
    }
    return nextOffsets[k] as Map<number, number>;
  };

  const costNow = (i: number): number => {
    const k = poolOf(pc, choice, i);
    return costIn(pc, i, k < 0 ? pc.firstChoice[i]! : k);
  };
  const moved: number[] = [];
  for (let i = 0; i < buffers.length; i++) if (choice[i]! > 0) moved.push(i);
  moved.sort((a, b) => costNow(b) - costNow(a) || buffers[b]!.sizeBytes - buffers[a]!.sizeBytes || (buffers[a]!.name < buffers[b]!.name ? -1 : 1));

  for (const g of moved) {
    for (let c = 0; c < nextChoice[g]!; c++) {
      const k = pc.candidates[g]![c]!;
      const offset =
        pc.overlay === undefined
          ? lowestFreeOffset(buffers[g]!.sizeBytes, alignmentIn(pc, g, k), neighbors[g]!, (h) => buffers[h]!.sizeBytes, nextOffsets[k]!)
          : lowestFreeUnitOffset(pc, g, k, nextOffsets[k]!);
      const cap = pools[k]!.sizeBytes;
      if (cap !== null && offset + sizeIn(pc, g, k) > cap) continue;
      const from = poolOf(pc, nextChoice, g);
      if (from >= 0) writable(from).delete(g);
      writable(k).set(g, offset);
      nextChoice[g] = c;
      break;
    }
  }
  return { choice: nextChoice, offsets: nextOffsets, changedPools };
}

/**
 * The lowest offset of unit g in pool k (overlay units) clear of the zones of the units placed there
 * (`offsets`): a group moves back as one, its members at their fixed distances.
 */
function lowestFreeUnitOffset(pc: PoolChoices, g: number, k: number, offsets: ReadonlyMap<number, number>): number {
  const ov = pc.overlay!;
  const layouts: (UnitLayout | undefined)[] = [];
  layouts[g] = ov.layouts[g]![k]!;
  for (const h of offsets.keys()) layouts[h] = ov.layouts[h]![k]!;
  const forbidden: [number, number][] = [];
  for (const [h, zones] of zonesOfUnit(ov.units, layouts, g)) {
    const off = offsets.get(h);
    if (off === undefined) continue;
    for (const [lo, hi] of zones) forbidden.push([off + lo, off + hi]);
  }
  return lowestAllowed(forbidden, ov.layouts[g]![k]!.alignmentBytes);
}

/**
 * The lowest offset (a multiple of `alignmentBytes`) where `sizeBytes` fit without overlapping the
 * neighbors already placed in the pool (`offsets`); 0 for an empty buffer.
 */
export function lowestFreeOffset(
  sizeBytes: number,
  alignmentBytes: number,
  neighbors: readonly number[],
  sizeOf: (h: number) => number,
  offsets: ReadonlyMap<number, number>,
): number {
  if (sizeBytes === 0) return 0;
  const spans: [number, number][] = [];
  for (const h of neighbors) {
    const off = offsets.get(h);
    if (off === undefined || sizeOf(h) === 0) continue;
    spans.push([off, off + sizeOf(h)]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [lo, hi] of spans) {
    if (at + sizeBytes <= lo) break;
    if (hi > at) at = alignUp(hi, alignmentBytes);
  }
  return at;
}
