/**
 * `hill-climb`: a seeded local search over placement orders (as Vela's and TVM's hill climbers do).
 * Start from the best greedy order (or the incumbent, read as an order by offset); each step takes
 * the buffer that sets the high-water mark and moves it to, or swaps it with, a random earlier
 * position, re-places everything by first fit, and keeps the new order when it is no worse.
 * Stops at the lower bound, after an iteration budget (so that the result does not depend on the
 * machine's speed), or at the deadline.
 */
import type { PackContext, PackProblem, PackResult, PackStrategy } from './problem.js';
import { byBreadth, byConflictsDesc, byLifetime, bySizeDesc, sortedOrder } from './orders.js';
import { placeFirstFit, type Placement } from './place-in-order.js';
import { createPrng } from './prng.js';

/** Upper bound on item placements per run (iterations x items). */
const PLACEMENT_BUDGET = 1_500_000;
const MAX_ITERATIONS = 3000;
const MAX_STALE_ITERATIONS = 800;

/** An order that first fit turns into a packing no higher than `offsets` (sorted by offset). */
export function orderFromOffsets(problem: PackProblem, offsets: readonly number[]): number[] {
  return sortedOrder(problem, (a, b) => offsets[a]! - offsets[b]! || a - b);
}

export interface HillClimbOptions {
  /** Cap on the number of iterations (defaults to the built-in budget). */
  readonly maxIterations?: number;
}

/** Runs the hill climber; exported so that `auto` can give it a smaller budget. */
export function hillClimb(problem: PackProblem, context: PackContext, options: HillClimbOptions = {}): PackResult {
  const n = problem.items.length;
  // An incumbent replaces the greedy starts: its order replays no higher than it, and the caller
  // (auto) passes the best of the heuristics, which include these greedy orders, so a greedy start
  // could never beat it (only a strictly lower start is taken).
  const starts: number[][] =
    context.incumbentOffsets !== undefined && context.incumbentOffsets.length === n
      ? [orderFromOffsets(problem, context.incumbentOffsets)]
      : [
          sortedOrder(problem, bySizeDesc(problem)),
          sortedOrder(problem, byConflictsDesc(problem)),
          sortedOrder(problem, byBreadth(problem)),
          sortedOrder(problem, byLifetime(problem)),
        ];
  let order = starts[0]!;
  let current: Placement = placeFirstFit(problem, order);
  for (const o of starts.slice(1)) {
    const p = placeFirstFit(problem, o);
    if (p.usedBytes < current.usedBytes) {
      order = o;
      current = p;
    }
  }
  let best = current;
  const lb = problem.lowerBoundBytes;
  const rng = createPrng(context.seed);
  const maxIterations = Math.min(
    options.maxIterations ?? MAX_ITERATIONS,
    Math.max(1, Math.floor(PLACEMENT_BUDGET / Math.max(1, n))),
  );
  let stale = 0;
  for (let iter = 0; iter < maxIterations && n > 1; iter++) {
    if (best.usedBytes <= lb || stale >= MAX_STALE_ITERATIONS) break;
    if (Date.now() >= context.deadlineMs) break;
    const peak = current.peakItem;
    const pos = order.indexOf(peak);
    const next = order.slice();
    if (pos > 0) {
      const j = rng.nextInt(pos);
      if (rng.next() < 0.5) {
        next[pos] = next[j]!;
        next[j] = peak;
      } else {
        next.splice(pos, 1);
        next.splice(j, 0, peak);
      }
    } else {
      // The peak is already first: perturb elsewhere.
      const a = rng.nextInt(n);
      const b = rng.nextInt(n);
      next[a] = order[b]!;
      next[b] = order[a]!;
    }
    const candidate = placeFirstFit(problem, next);
    if (candidate.usedBytes <= current.usedBytes) {
      order = next;
      current = candidate;
      if (candidate.usedBytes < best.usedBytes) {
        best = candidate;
        stale = 0;
        context.onProgress?.({ phase: 'hill-climb', bestBytes: best.usedBytes, lowerBoundBytes: lb });
        continue;
      }
    }
    stale++;
  }
  return { offsets: best.offsets, usedBytes: best.usedBytes, optimal: best.usedBytes <= lb };
}

export const hillClimbPack: PackStrategy = (problem, context) => hillClimb(problem, context);
