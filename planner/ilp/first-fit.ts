/**
 * A small local first-fit placement (decreasing size, then name) used by the ILP strategy as its starting
 * upper bound and as the fallback when the solver returns nothing and no incumbent was given. Kept here so
 * that planner/ilp depends only on the contract, not on another strategy's internals.
 */
import type { PackProblem } from '../problem.js';

/** Offsets (bytes) of a first-fit-decreasing placement; every offset is a multiple of its alignment. */
export function firstFitOffsets(problem: PackProblem): number[] {
  const items = problem.items;
  const order = items.map((_, i) => i);
  order.sort((a, b) => {
    const ia = items[a]!;
    const ib = items[b]!;
    return ib.sizeBytes - ia.sizeBytes || (ia.name < ib.name ? -1 : ia.name > ib.name ? 1 : a - b);
  });
  const offsets = new Array<number>(items.length).fill(0);
  const placed = new Array<boolean>(items.length).fill(false);
  for (const i of order) {
    const item = items[i]!;
    const align = item.alignmentBytes;
    const blocks: [number, number][] = [];
    for (const j of problem.neighbors[i] ?? []) {
      if (placed[j] && items[j]!.sizeBytes > 0) blocks.push([offsets[j]!, offsets[j]! + items[j]!.sizeBytes]);
    }
    blocks.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let offset = 0;
    if (item.sizeBytes > 0) {
      for (const [start, end] of blocks) {
        if (offset + item.sizeBytes <= start) break;
        if (end > offset) offset = Math.ceil(end / align) * align;
      }
    }
    offsets[i] = offset;
    placed[i] = true;
  }
  return offsets;
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
