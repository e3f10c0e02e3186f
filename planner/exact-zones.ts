/**
 * `exact` on a problem with overlay groups (PackProblem.zones). The canonical placements of
 * exact.ts (each buffer at the aligned top of a conflicting buffer below it) do not cover groups: a
 * group may rest on a neighbor whose offset is above the group's own (a small buffer tucked under
 * the upper member of a group), so the (offset, rank) order of exact.ts could miss the optimum.
 *
 * This search is a branch and bound over chains of "resting" items instead. Let W be the largest
 * alignment of the items and say x rests on y when offset(x) - offset(y) lies in [hi, hi + W) for
 * the end hi of one of the pair's zones (x just above that zone). Take an optimal packing with the
 * smallest sum of offsets: every item is then at an offset below W or rests on an item that leads
 * to one by such a chain. (Otherwise move every item that no chain reaches down by W: offsets stay
 * aligned, as W is a multiple of every alignment, and >= 0; a pair split by the move only sees its
 * offset difference shrink by W, which keeps it above its zone, since it was not resting; the sum
 * drops and nothing rises, a contradiction.) So listing the items along those chains, each one sits
 * at an aligned offset in [0, W) or in [offset(y) + hi, offset(y) + hi + W) for an item y listed
 * before it. The search builds such lists: at each node any unplaced item may take any of those
 * offsets clear of the placed items; a node is cut when it reaches the best packing found, or
 * when an unplaced item's lowest offset clear of the placed items would.
 * Symmetry: only the lists that always pick the lowest-ranked item whose chain is ready are built:
 * once an item is passed over for one ranked above it, it may only rest on items placed after that.
 * The runs take three rank orders (size, start step, lifetime) in turn with a work limit that
 * doubles, as exact.ts does, so that a long fruitless subtree of one order does not hold the
 * search; a run that ends within its limit has seen every list and proves the best packing optimal.
 * With one alignment everywhere the windows hold one offset each (the aligned zone end).
 *
 * Budget: work units (candidate offsets examined) from planner/search-budget.ts, the deadline as a
 * safety net. `optimal` only when the search ends within the budget; the incumbent (the caller's,
 * else the better of the best greedy placement and a short hill climb) is returned otherwise.
 */
import type { PackContext, PackProblem, PackResult, Zone } from './problem.js';
import { byBreadth, byConflictsDesc, byLifetime, bySizeDesc, bySizeThenLifetime, sortedOrder } from './orders.js';
import { alignUp, placeBestFit, placeFirstFit, usedBytesOf, type Placement } from './place-in-order.js';
import { nodeBudgetOf } from './search-budget.js';
import { hillClimb } from './hill-climb.js';
import { lowestAllowed } from './overlay.js';

/**
 * Work units (candidate offsets and bound checks) per search node of the budget: a unit costs about
 * a sixteenth of a node of exact.ts, so that both searches spend about the same time per budget.
 */
const WORK_PER_NODE = 16;

/** Iterations of the hill climb that seeds the search when no incumbent is given (as in auto). */
const INCUMBENT_HILL_CLIMB_ITERATIONS = 300;

/** Above this many items with zones, the search returns the incumbent (the recursion depth is the count). */
export const EXACT_ZONES_MAX_ITEMS = 2500;

/**
 * The best of every greedy placement (first fit in the four greedy orders, best fit): the starting
 * point of the searches on problems with zones, so that they never return worse than a greedy.
 */
export function bestHeuristicPlacement(problem: PackProblem): Placement {
  let best: Placement | undefined;
  for (const cmp of [bySizeDesc(problem), byConflictsDesc(problem), byBreadth(problem), byLifetime(problem)]) {
    const pl = placeFirstFit(problem, sortedOrder(problem, cmp));
    if (best === undefined || pl.usedBytes < best.usedBytes) best = pl;
  }
  const bf = placeBestFit(problem, sortedOrder(problem, bySizeThenLifetime(problem)));
  return bf.usedBytes < best!.usedBytes ? bf : best!;
}

export function exactZonesSearch(problem: PackProblem, zones: readonly (readonly (readonly Zone[])[])[], context: PackContext): PackResult {
  const items = problem.items;
  const n = items.length;
  if (n === 0) return { offsets: [], usedBytes: 0, optimal: true };
  // Incumbent: the caller's, else the best greedy placement (bestHeuristicPlacement) or a short hill climb.
  let bestOffsets: number[];
  let bestUsed: number;
  if (context.incumbentOffsets !== undefined && context.incumbentOffsets.length === n) {
    bestOffsets = context.incumbentOffsets.slice();
    bestUsed = usedBytesOf(problem, bestOffsets);
  } else {
    // Without one: the best greedy placement, or a short hill climb when it does better.
    const start = bestHeuristicPlacement(problem);
    bestOffsets = start.offsets;
    bestUsed = start.usedBytes;
    if (bestUsed > problem.lowerBoundBytes) {
      const climbed = hillClimb(problem, context, { maxIterations: INCUMBENT_HILL_CLIMB_ITERATIONS });
      if (climbed.usedBytes < bestUsed) {
        bestOffsets = climbed.offsets.slice();
        bestUsed = climbed.usedBytes;
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
  // The search recurses once per item (as exact.ts does): beyond its cap, keep the incumbent.
  if (searched.length > EXACT_ZONES_MAX_ITEMS) return done(false);
  // The window of candidate offsets: the largest alignment (see the file comment).
  let window = 1;
  for (const i of searched) window = Math.max(window, items[i]!.alignmentBytes);
  const budget = nodeBudgetOf(context) * WORK_PER_NODE;
  const deadline = context.deadlineMs;
  const offsets = new Array<number>(n).fill(-1);
  const inSearch = new Uint8Array(n);
  for (const i of searched) inSearch[i] = 1;
  for (let i = 0; i < n; i++) if (inSearch[i] === 0) offsets[i] = 0;
  /** placedAt[i]: the depth at which item i was placed (searched items). */
  const placedAt = new Int32Array(n).fill(-1);
  /** skipped[i]: the last depth at which an item ranked above i was placed while i was not (-1: never). */
  const skipped = new Int32Array(n).fill(-1);
  let rank = new Int32Array(n);
  let order: readonly number[] = searched;
  let work = 0;
  let limit = 0;
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
  const rec = (depth: number, used: number): void => {
    if (stop) return;
    if (depth === order.length) {
      if (used < bestUsed) {
        bestUsed = used;
        bestOffsets = offsets.slice();
        context.onProgress?.({ phase: 'exact', bestBytes: bestUsed, lowerBoundBytes: problem.lowerBoundBytes });
        if (bestUsed <= lb) stop = true;
      }
      return;
    }
    if (work > limit || ((work & 1023) === 0 && Date.now() >= deadline)) {
      aborted = true;
      stop = true;
      return;
    }
    // Bound: every unplaced item needs an offset clear of the placed ones.
    for (const x of order) {
      if (offsets[x]! >= 0) continue;
      const forbidden: [number, number][] = [];
      const list = problem.neighbors[x]!;
      for (let k = 0; k < list.length; k++) {
        const y = list[k]!;
        if (offsets[y]! < 0) continue;
        for (const [lo, hi] of zones[x]![k]!) forbidden.push([offsets[y]! + lo, offsets[y]! + hi]);
      }
      work += 1 + forbidden.length;
      if (lowestAllowed(forbidden, items[x]!.alignmentBytes) + items[x]!.sizeBytes >= bestUsed) return;
    }
    for (const x of order) {
      if (offsets[x]! >= 0) continue;
      const size = items[x]!.sizeBytes;
      // Candidate offsets: the aligned ones in [0, window), and in [offset(y) + hi, offset(y) + hi +
      // window) for placed neighbors y and zone ends hi; once x was passed over for an item ranked
      // above it, only from the neighbors placed since (see the file comment).
      const since = skipped[x]!;
      const seeds: number[] = since < 0 ? [0] : [];
      const list = problem.neighbors[x]!;
      for (let k = 0; k < list.length; k++) {
        const y = list[k]!;
        if (offsets[y]! < 0 || placedAt[y]! < since || inSearch[y] === 0) continue;
        for (const [, hi] of zones[x]![k]!) seeds.push(offsets[y]! + hi);
      }
      const align = items[x]!.alignmentBytes;
      const tried = new Set<number>();
      const cands: number[] = [];
      for (const s of seeds) {
        for (let at = alignUp(Math.max(0, s), align); at < Math.max(0, s) + window; at += align) {
          if (tried.has(at)) continue;
          tried.add(at);
          work++;
          if (at + size >= bestUsed) break;
          if (allowed(x, at)) cands.push(at);
        }
      }
      if (cands.length === 0) continue;
      cands.sort((a, b) => a - b);
      // Passing over the items ranked below x (restored on the way back).
      const passed: number[] = [];
      const before: number[] = [];
      for (const z of order) {
        if (offsets[z]! < 0 && z !== x && rank[z]! < rank[x]!) {
          passed.push(z);
          before.push(skipped[z]!);
          skipped[z] = depth;
        }
      }
      placedAt[x] = depth;
      for (const at of cands) {
        if (at + size >= bestUsed) break;
        offsets[x] = at;
        rec(depth + 1, Math.max(used, at + size));
        offsets[x] = -1;
        if (stop) break;
      }
      placedAt[x] = -1;
      passed.forEach((z, k) => (skipped[z] = before[k]!));
      if (stop) return;
    }
  };

  // Round robin over three rank orders with a work limit that doubles (as exact.ts does), until
  // one run ends within its limit (a proof), the lower bound is met, or the budget is spent.
  const orders = [bySizeDesc(problem), byBreadth(problem), byLifetime(problem)].map((cmp) => searched.slice().sort(cmp));
  let runLimit = Math.max(1000, 4 * searched.length);
  for (;;) {
    for (const o of orders) {
      if (work >= budget || Date.now() >= deadline) return done(false);
      order = o;
      rank = new Int32Array(n);
      o.forEach((i, r) => (rank[i] = r));
      limit = Math.min(budget, work + runLimit);
      aborted = false;
      stop = false;
      rec(0, fixedTop);
      if (!aborted) return done(true);
    }
    runLimit *= 2;
  }
}
