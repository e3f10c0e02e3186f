/**
 * The placement routine the greedy strategies share: take items in a given order and put each at
 * an offset that does not overlap any already placed neighbor (cf. TVM's GreedyBase
 * PostSortAllocation, TFLite Micro's GreedyMemoryPlanner).
 * - first fit: the lowest aligned offset that fits;
 * - best fit: the smallest free gap that fits (lowest offset on ties), else the top
 *   (XLA heap simulator / TFLite arena style).
 * Only the item's neighbors matter; the capacity is not looked at (callers compare usedBytes).
 * Both fits run over forbidden offset ranges: the placed neighbors' blocks, or with overlay groups
 * (PackProblem.zones) the ranges their zones give.
 */
import type { PackProblem } from './problem.js';

export interface Placement {
  /** offsets[i] of item i. */
  readonly offsets: number[];
  /** max(offset + size). */
  readonly usedBytes: number;
  /** An item whose top equals usedBytes (the first such in placement order); -1 when empty. */
  readonly peakItem: number;
}

/** Rounds `value` up to a multiple of `alignment` (a power of two >= 1). */
export function alignUp(value: number, alignment: number): number {
  if (alignment <= 1) return value;
  const r = value % alignment;
  return r === 0 ? value : value + alignment - r;
}

type Fit = 'first' | 'best';

/**
 * Places the items of `order` one at a time. Each placed neighbor j forbids a range of offsets for
 * item i: with zones (overlay groups), offset(j) + [lo, hi) for every zone of the pair; otherwise the
 * offsets where i's block would meet j's, [offset(j) - size(i) + 1, offset(j) + size(j)) (nothing
 * when either is empty). First fit takes the lowest aligned offset outside them; best fit the start
 * of the smallest run of allowed offsets that holds one (lowest offset on ties), else above them all.
 * On ordinary items this is the classic choice over blocks: the run before a block starting at b
 * holds a start exactly when the gap before b holds the item, and runs order like gaps.
 */
function place(problem: PackProblem, order: readonly number[], fit: Fit): Placement {
  const zones = problem.zones;
  const n = problem.items.length;
  const offsets = new Array<number>(n).fill(-1);
  const placed = new Uint8Array(n);
  let used = 0;
  let peak = -1;
  for (const i of order) {
    const item = problem.items[i]!;
    const size = item.sizeBytes;
    const align = item.alignmentBytes;
    // The forbidden offset ranges [los, his), visited in ascending order through idx.
    const los: number[] = [];
    const his: number[] = [];
    if (zones !== undefined) {
      problem.neighbors[i]!.forEach((j, k) => {
        if (placed[j] === 0) return;
        for (const [lo, hi] of zones[i]![k]!) {
          los.push(offsets[j]! + lo);
          his.push(offsets[j]! + hi);
        }
      });
    } else if (size > 0) {
      for (const j of problem.neighbors[i]!) {
        if (placed[j] === 0) continue;
        const sj = problem.items[j]!.sizeBytes;
        if (sj === 0) continue;
        los.push(offsets[j]! - size + 1);
        his.push(offsets[j]! + sj);
      }
    }
    const idx = los.map((_, k) => k);
    idx.sort((a, b) => los[a]! - los[b]! || his[a]! - his[b]!);
    let chosen = -1;
    if (fit === 'first') {
      let candidate = 0;
      for (const k of idx) {
        if (candidate < los[k]!) break;
        if (his[k]! > candidate) candidate = alignUp(his[k]!, align);
      }
      chosen = candidate;
    } else {
      let cursor = 0; // lowest offset not yet excluded
      let bestRun = Infinity;
      for (const k of idx) {
        const lo = los[k]!;
        if (lo > cursor) {
          const start = alignUp(cursor, align);
          if (start < lo && lo - cursor < bestRun) {
            bestRun = lo - cursor;
            chosen = start;
          }
        }
        if (his[k]! > cursor) cursor = his[k]!;
      }
      if (chosen < 0) chosen = alignUp(cursor, align);
    }
    offsets[i] = chosen;
    placed[i] = 1;
    const top = chosen + size;
    if (top > used || peak < 0) {
      used = Math.max(used, top);
      peak = i;
    }
  }
  return { offsets, usedBytes: used, peakItem: peak };
}

/** Places `order` (a permutation of the item indices) at the lowest fitting offsets. */
export function placeFirstFit(problem: PackProblem, order: readonly number[]): Placement {
  return place(problem, order, 'first');
}

/** Places `order` in the smallest fitting gaps (lowest offset on ties), else on top. */
export function placeBestFit(problem: PackProblem, order: readonly number[]): Placement {
  return place(problem, order, 'best');
}

/** usedBytes of a full assignment of offsets. */
export function usedBytesOf(problem: PackProblem, offsets: readonly number[]): number {
  let used = 0;
  problem.items.forEach((it, i) => {
    used = Math.max(used, offsets[i]! + it.sizeBytes);
  });
  return used;
}
