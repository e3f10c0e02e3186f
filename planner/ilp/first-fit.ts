/**
 * The ILP strategy's own starting placement (decreasing size, then name), used as its starting upper bound
 * and as the fallback when the solver returns nothing and no incumbent was given, plus the checks it runs
 * on incumbents and solver answers. The placement itself is the shared first-fit routine
 * (place-in-order.ts); only the order is the ILP's own.
 */
import type { PackProblem } from '../problem.js';
import { placeFirstFit } from '../place-in-order.js';

/** Offsets (bytes) of a first-fit-decreasing placement; every offset is a multiple of its alignment. */
export function firstFitOffsets(problem: PackProblem): number[] {
  const items = problem.items;
  const order = items.map((_, i) => i);
  order.sort((a, b) => {
    const ia = items[a]!;
    const ib = items[b]!;
    return ib.sizeBytes - ia.sizeBytes || (ia.name < ib.name ? -1 : ia.name > ib.name ? 1 : a - b);
  });
  return placeFirstFit(problem, order).offsets;
}

/** max(offset + size) of a placement; 0 for no items. */
export function peakBytes(problem: PackProblem, offsets: readonly number[]): number {
  let peak = 0;
  problem.items.forEach((item, i) => {
    if (item.sizeBytes > 0) peak = Math.max(peak, (offsets[i] ?? 0) + item.sizeBytes);
  });
  return peak;
}

/** True when the placement is aligned and no two conflicting items overlap. */
export function isValidPlacement(problem: PackProblem, offsets: readonly number[]): boolean {
  const items = problem.items;
  if (offsets.length !== items.length) return false;
  const zones = problem.zones;
  if (zones !== undefined) {
    // Overlay groups: no offset difference of a conflicting pair in one of its zones.
    for (let i = 0; i < items.length; i++) {
      const offset = offsets[i]!;
      if (!Number.isSafeInteger(offset) || offset < 0 || offset % items[i]!.alignmentBytes !== 0) return false;
      const list = problem.neighbors[i] ?? [];
      for (let k = 0; k < list.length; k++) {
        const delta = offset - offsets[list[k]!]!;
        for (const [lo, hi] of zones[i]![k]!) if (lo <= delta && delta < hi) return false;
      }
    }
    return true;
  }
  for (let i = 0; i < items.length; i++) {
    const offset = offsets[i]!;
    const item = items[i]!;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % item.alignmentBytes !== 0) return false;
    if (item.sizeBytes === 0) continue;
    for (const j of problem.neighbors[i] ?? []) {
      if (j <= i || items[j]!.sizeBytes === 0) continue;
      const other = offsets[j]!;
      if (offset < other + items[j]!.sizeBytes && other < offset + item.sizeBytes) return false;
    }
  }
  return true;
}
