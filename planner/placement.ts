/**
 * Placement: run the strategy on each pool, and spill from bounded pools that overflow until none
 * does. Every buffer starts in its first candidate that could hold it alone; when a pool's packing
 * exceeds its capacity, planner/spill.ts chooses what moves to each buffer's next candidate (first
 * by live bytes per step, then around the packing's overflow one buffer at a time, re-planning after
 * each; after MAX_SINGLE_SPILL_ROUNDS such rounds, every buffer above the capacity at once), and the
 * pools that changed are planned again, in pool order. A buffer past its last candidate is unplaced.
 */
import type { PackItem, PackProblem, PackResult, PackStrategy } from './problem.js';
import type { BudgetedContext } from './search-budget.js';
import type { ConflictGraph } from './conflict-graph.js';
import { inducedSubgraph } from './conflict-graph.js';
import { PlannerError } from './errors.js';
import { packLowerBound } from './lower-bound.js';
import { alignmentIn, membersOf, moveCost, poolOf, sizeIn, type PoolChoices } from './pool-choice.js';
import { overlayLowerBound, zonesOfUnit, type UnitLayout } from './overlay.js';
import { spillByLiveBytes, spillByPacking } from './spill.js';

/** Spill rounds per pool that move one buffer and re-plan, before moving all that overflow at once. */
export const MAX_SINGLE_SPILL_ROUNDS = 8;

/** The strategy's packing of one pool. */
export interface PoolPlan {
  /** Buffer indices in the pool, ascending (item l of `problem` is buffer members[l]). */
  readonly members: readonly number[];
  readonly problem: PackProblem;
  readonly result: PackResult;
}

/** How placement calls the strategy. */
export interface PlacementOptions {
  readonly strategy: PackStrategy;
  readonly strategyName: string;
  /** The context of every strategy call but its deadline (a share of `deadlineMs`). */
  readonly context: Omit<BudgetedContext, 'deadlineMs'>;
  /** Absolute deadline of the whole placement, in Date.now() milliseconds. */
  readonly deadlineMs: number;
}

export interface PlacementResult {
  /** The final assignment: choice[i] indexes buffer i's candidates (past the end: unplaced). */
  readonly choice: number[];
  /** plans[k]: the last packing of pool k. */
  readonly plans: PoolPlan[];
  /** True when any buffer was moved off its first candidate. */
  readonly spilled: boolean;
}

/** The packing problem of pool k holding `members` (buffer indices, ascending). */
export function buildPoolProblem(pc: PoolChoices, graph: ConflictGraph, k: number, members: readonly number[]): PackProblem {
  const ov = pc.overlay;
  const items: PackItem[] = members.map((g, local) => {
    const b = pc.buffers[g]!;
    const pieces = ov?.units.pieces[g];
    return {
      index: local,
      name: b.name,
      sizeBytes: sizeIn(pc, g, k),
      alignmentBytes: alignmentIn(pc, g, k),
      ...(b.start !== undefined && b.end !== undefined ? { start: b.start, end: b.end } : {}),
      ...(pieces !== undefined ? { pieces } : {}),
    };
  });
  const neighbors = inducedSubgraph(graph.neighbors, members);
  const capacityBytes = pc.pools[k]!.sizeBytes;
  if (ov === undefined || !members.some((u) => ov.units.members[u]!.length > 1)) {
    return { items, neighbors, capacityBytes, lowerBoundBytes: packLowerBound(items, neighbors, graph.hasExplicitEdges) };
  }
  // A pool with an overlay group: per-edge zones, and the overlay-aware lower bound.
  const layouts: (UnitLayout | undefined)[] = [];
  for (const u of members) layouts[u] = ov.layouts[u]![k]!;
  const zones = members.map((u, local) => {
    const byUnit = zonesOfUnit(ov.units, layouts, u);
    return neighbors[local]!.map((l) => byUnit.get(members[l]!) ?? []);
  });
  return { items, neighbors, capacityBytes, lowerBoundBytes: overlayLowerBound(ov.units, items, members), zones };
}

/** Runs the strategy on pool k with the buffers `choice` assigns to it. */
export async function placePool(
  pc: PoolChoices,
  graph: ConflictGraph,
  choice: readonly number[],
  k: number,
  options: PlacementOptions,
  deadlineMs: number,
): Promise<PoolPlan> {
  const members = membersOf(pc, choice, k);
  const problem = buildPoolProblem(pc, graph, k, members);
  const result = await options.strategy(problem, { ...options.context, deadlineMs });
  if (result.offsets.length !== members.length) {
    throw new PlannerError('internal', `strategy ${options.strategyName} returned ${result.offsets.length} offsets for ${members.length} buffers`);
  }
  return { members, problem, result };
}

/** Plans every pool, spilling from bounded pools that overflow (see the file comment). */
export async function placeAndSpill(pc: PoolChoices, graph: ConflictGraph, options: PlacementOptions): Promise<PlacementResult> {
  const { pools } = pc;
  let choice: number[] = pc.buffers.map(() => 0);
  const plans: PoolPlan[] = [];
  const dirty = new Set<number>(pools.map((_, k) => k));
  const packingRounds = pools.map(() => 0);
  let spilled = false;
  while (dirty.size > 0) {
    for (let k = 0; k < pools.length; k++) {
      if (!dirty.has(k)) continue;
      dirty.delete(k);
      // The pools still to plan share the time left.
      const now = Date.now();
      const share = Math.max(0, options.deadlineMs - now) / Math.max(1, dirty.size + 1);
      const plan = await placePool(pc, graph, choice, k, options, now + share);
      plans[k] = plan;
      const cap = pools[k]!.sizeBytes;
      if (cap === null || plan.result.usedBytes <= cap) continue;

      const moveCosts = plan.members.map((g) => moveCost(pc, choice, g));
      let locals = spillByLiveBytes(plan.problem, cap, moveCosts);
      if (locals.length === 0) {
        packingRounds[k]! += 1;
        locals = spillByPacking(plan.problem, plan.result.offsets, cap, moveCosts, packingRounds[k]! > MAX_SINGLE_SPILL_ROUNDS);
      }
      if (locals.length === 0) throw new PlannerError('internal', `pool '${pools[k]!.name}' overflows but nothing can be spilled`);
      choice = [...choice];
      for (const l of locals) {
        const g = plan.members[l]!;
        choice[g] = choice[g]! + 1;
        const next = poolOf(pc, choice, g);
        if (next >= 0) dirty.add(next);
      }
      spilled = true;
      dirty.add(k);
      break; // restart in pool order
    }
  }
  return { choice, plans, spilled };
}
