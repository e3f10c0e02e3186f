/**
 * `exact` on a problem with overlay groups (PackProblem.zones). The canonical placements of
 * exact.ts (each buffer at the aligned top of a conflicting buffer below it) do not cover groups: a
 * group may rest on a neighbor whose offset is above the group's own (a small buffer tucked under
 * the upper member of a group), so the (offset, rank) order of exact.ts could miss the optimum.
 *
 * This search is a branch and bound over derivations instead. Fix, for every conflicting pair,
 * which run of allowed offset differences it uses (below the first zone, between two zones, above
 * the last): the constraints are then offset(x) >= offset(y) + w, and their least solution (every
 * offset the smallest aligned value the constraints allow, reached by raising offsets from 0) is
 * no higher anywhere than any packing with those choices, the optimal one included. In that least
 * solution every item is at 0 or at alignUp(offset(y) + hi) for a placed neighbor y and the end hi
 * of one of the pair's zones, and the items can be listed so that each one's y comes before it.
 * The search builds such lists: at each node any unplaced item may go at 0 or at the lowest
 * allowed aligned offset from any such alignUp(offset(y) + hi); a node is cut when it reaches the
 * best packing found. Symmetry: when an item of lower rank than the one placed just before comes
 * next, it must rest on that one (otherwise the same list with the two swapped is built too).
 *
 * Budget: work units (candidate offsets examined) from planner/search-budget.ts, the deadline as a
 * safety net. `optimal` only when the search ends within the budget; the incumbent (the best
 * first fit, or the caller's) is returned otherwise.
 */
import type { PackContext, PackProblem, PackResult, Zone } from './problem.js';
import { bySizeDesc, byBreadth, byLifetime, sortedOrder } from './orders.js';
import { alignUp, placeFirstFit, usedBytesOf } from './place-in-order.js';
import { nodeBudgetOf } from './search-budget.js';

export function exactZonesSearch(problem: PackProblem, zones: readonly (readonly (readonly Zone[])[])[], context: PackContext): PackResult {
  const items = problem.items;
  const n = items.length;
  if (n === 0) return { offsets: [], usedBytes: 0, optimal: true };
  // Incumbent: the caller's, else the best of three first fits.
  let bestOffsets: number[];
  let bestUsed: number;
  if (context.incumbentOffsets !== undefined && context.incumbentOffsets.length === n) {
    bestOffsets = context.incumbentOffsets.slice();
    bestUsed = usedBytesOf(problem, bestOffsets);
  } else {
    bestOffsets = [];
    bestUsed = Infinity;
    for (const cmp of [bySizeDesc(problem), byBreadth(problem), byLifetime(problem)]) {
      const pl = placeFirstFit(problem, sortedOrder(problem, cmp));
      if (pl.usedBytes < bestUsed) {
        bestOffsets = pl.offsets;
        bestUsed = pl.usedBytes;
      }
    }
  }
  let lb = problem.lowerBoundBytes;
  for (const it of items) lb = Math.max(lb, it.sizeBytes);
  const cap = problem.capacityBytes;
  const done = (optimal: boolean): PackResult => ({
    offsets: bestOffsets,
    usedBytes: bestUsed,
    optimal: (optimal && (cap === null || bestUsed <= cap)) || bestUsed <= problem.lowerBoundBytes,
    ...(optimal && cap !== null && bestUsed > cap ? { infeasible: true } : {}),
  });
  if (bestUsed <= lb) return done(true);

  // Items with a zone are searched; the others sit at 0.
  const searched: number[] = [];
  let fixedTop = 0;
  for (let i = 0; i < n; i++) {
    if (zones[i]!.some((z) => z.length > 0)) searched.push(i);
    else fixedTop = Math.max(fixedTop, items[i]!.sizeBytes);
  }
  searched.sort((a, b) => items[b]!.sizeBytes - items[a]!.sizeBytes || a - b);
  const rank = new Int32Array(n).fill(-1);
  searched.forEach((i, r) => (rank[i] = r));
  const offsets = new Array<number>(n).fill(-1);
  for (let i = 0; i < n; i++) if (rank[i] === -1) offsets[i] = 0;
  const budget = nodeBudgetOf(context);
  const deadline = context.deadlineMs;
  let work = 0;
  let aborted = false;
  let stop = false;

  /** True when x at `at` is clear of every placed neighbor. */
  const allowed = (x: number, at: number): boolean => {
    const list = problem.neighbors[x]!;
    for (let k = 0; k < list.length; k++) {
      const y = list[k]!;
      if (offsets[y]! < 0) continue;
      const delta = at - offsets[y]!;
      for (const [lo, hi] of zones[x]![k]!) {
        if (delta < lo) break;
        if (delta < hi) return false;
      }
    }
    return true;
  };
  /** The lowest allowed aligned offset of x at or above `from`. */
  const lowestFrom = (x: number, from: number): number => {
    const align = items[x]!.alignmentBytes;
    let at = alignUp(Math.max(0, from), align);
    for (let guard = 0; guard < 1_000_000; guard++) {
      let moved = false;
      const list = problem.neighbors[x]!;
      for (let k = 0; k < list.length && !moved; k++) {
        const y = list[k]!;
        if (offsets[y]! < 0) continue;
        const delta = at - offsets[y]!;
        for (const [lo, hi] of zones[x]![k]!) {
          if (delta < lo) break;
          if (delta < hi) {
            at = alignUp(offsets[y]! + hi, align);
            moved = true;
            break;
          }
        }
      }
      work++;
      if (!moved) return at;
    }
    return at;
  };

  const rec = (depth: number, last: number, used: number): void => {
    if (stop) return;
    if (depth === searched.length) {
      if (used < bestUsed) {
        bestUsed = used;
        bestOffsets = offsets.slice();
        context.onProgress?.({ phase: 'exact', bestBytes: bestUsed, lowerBoundBytes: problem.lowerBoundBytes });
        if (bestUsed <= lb) stop = true;
      }
      return;
    }
    if (work > budget || ((work & 1023) === 0 && Date.now() >= deadline)) {
      aborted = true;
      stop = true;
      return;
    }
    for (const x of searched) {
      if (offsets[x]! >= 0) continue;
      const size = items[x]!.sizeBytes;
      // Candidate offsets: 0 and alignUp(offset(y) + hi) for placed neighbors y; only from `last`
      // when x ranks below it (see the file comment).
      const onlyLast = last >= 0 && rank[x]! < rank[last]!;
      const seeds: number[] = onlyLast ? [] : [0];
      const list = problem.neighbors[x]!;
      for (let k = 0; k < list.length; k++) {
        const y = list[k]!;
        if (offsets[y]! < 0 || (onlyLast && y !== last)) continue;
        for (const [, hi] of zones[x]![k]!) seeds.push(offsets[y]! + hi);
      }
      const tried = new Set<number>();
      const cands: number[] = [];
      for (const s of seeds) {
        const at = alignUp(Math.max(0, s), items[x]!.alignmentBytes);
        if (tried.has(at)) continue;
        tried.add(at);
        work++;
        if (at + size >= bestUsed) continue;
        const low = allowed(x, at) ? at : lowestFrom(x, at);
        if (low + size >= bestUsed || cands.includes(low)) continue;
        cands.push(low);
      }
      cands.sort((a, b) => a - b);
      for (const at of cands) {
        if (at + size >= bestUsed) break;
        offsets[x] = at;
        rec(depth + 1, x, Math.max(used, at + size));
        offsets[x] = -1;
        if (stop) return;
      }
    }
  };
  rec(0, -1, fixedTop);
  return done(!aborted);
}
