/**
 * planMemory: buffers and pools in, a verified plan out. It composes the steps, each a function of
 * its own file:
 *
 * 1. Validate the inputs (PlannerError invalid-input) and build the conflict graph once. Overlay
 *    groups (BufferInfo.overlay: a target and the buffers placed at fixed distances from it) become
 *    one unit each (planner/overlay.ts), and every later step works on units: a group chooses its
 *    pool, spills and is put back as one; a pool that holds a group is packed with per-pair zones
 *    (PackProblem.zones), exact even where a neighbor fits between members. Without overlays the
 *    units are the buffers themselves and nothing changes.
 * 2. Candidate pools (planner/pool-choice.ts): every buffer starts in its first candidate pool that
 *    could hold it alone.
 * 3. Placement (planner/placement.ts): plan each pool with the asked strategy. When a bounded pool
 *    overflows, spill (planner/spill.ts) chooses what moves to each buffer's next candidate so that
 *    the fewest bytes (or the least spill cost, from spillCostByPool) move: first until no step's
 *    live bytes exceed the capacity (a greedy on "bytes of excess removed per unit of cost" over the
 *    overflowing steps, preferring one buffer that covers the excess over several smaller ones),
 *    then, if the packing itself still overflows, one buffer at a time around the buffers above the
 *    capacity, re-planning after each (after a few such rounds, every buffer above the capacity
 *    moves at once). Buffers that run out of candidates are reported as unplaced (a bounded pool is
 *    never exceeded).
 * 4. Put-back (planner/put-back.ts): try to put each moved buffer back into an earlier candidate at
 *    the lowest free offset of that pool's plan (most costly first).
 * 5. Assemble the result (each member of a group at the group's offset plus its place in the
 *    group's layout), and verify it independently (a failure is a PlannerError
 *    `verification-failed`: a bug, never a wrong answer).
 *
 * The result's strategy is the name asked for ("auto" for auto). Allocations follow the input
 * order. Searches are bounded in nodes derived from the time limit (planner/search-budget.ts), so
 * the plan is the same on every run unless the machine is too slow to spend that budget before
 * the wall-clock deadline (a safety net).
 */
import type { Allocation, BufferInfo, PlanOptions, PlanResult, Pool, PoolUsage, StrategyName } from './types.js';
import { buildConflictGraph, type ConflictGraph } from './conflict-graph.js';
import { PlannerError } from './errors.js';
import { buildPoolProblem, placeAndSpill, type PoolPlan } from './placement.js';
import { poolChoices, poolOf, sizeIn, type PoolChoices } from './pool-choice.js';
import { buildOverlayUnits, hasOverlays } from './overlay.js';
import { putBack } from './put-back.js';
import { DEFAULT_STRATEGY, strategyByName } from './registry.js';
import { NODES_PER_MS } from './search-budget.js';
import { validatePlanInputs } from './validate.js';
import { verifyPlan } from './verify.js';

/** Search budget when PlanOptions.timeLimitMs is not given. */
export const DEFAULT_TIME_LIMIT_MS = 5000;

export async function planMemory(
  buffers: readonly BufferInfo[],
  pools: readonly Pool[],
  options: PlanOptions = {},
): Promise<PlanResult> {
  validatePlanInputs(buffers, pools);
  const strategyName: StrategyName = options.strategy ?? DEFAULT_STRATEGY;
  const strategy = strategyByName(strategyName);
  const timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  const deadlineMs = Date.now() + timeLimitMs;
  const bufferGraph = buildConflictGraph(buffers);
  // Overlay groups become one unit each (planner/overlay.ts); without overlays, units are buffers.
  const units = hasOverlays(buffers) ? buildOverlayUnits(buffers, pools, bufferGraph) : undefined;
  const graph = units?.graph ?? bufferGraph;
  const pc = poolChoices(buffers, pools, units);

  const placed = await placeAndSpill(pc, graph, {
    strategy,
    strategyName,
    deadlineMs,
    context: {
      seed: options.seed ?? 1,
      // Deterministic search budget: the time limit in nodes, shared by the pools.
      nodeBudget: Math.floor((timeLimitMs * NODES_PER_MS) / pools.length),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
  });
  const back = putBack(pc, graph.neighbors, placed.choice, placed.plans.map(offsetsOf));
  const plan = assemblePlan(pc, graph, strategyName, {
    choice: back.choice,
    offsets: back.offsets,
    plans: placed.plans,
    changedPools: back.changedPools,
    spilled: placed.spilled,
  });
  const issues = verifyPlan(buffers, pools, plan);
  if (issues.length > 0) {
    const quoted = issues.slice(0, 5).map((i) => i.message);
    throw new PlannerError('verification-failed', `plan failed verification: ${quoted.join('; ')}`, { issues });
  }
  return plan;
}

/** Buffer index -> offset in a pool's packing. */
function offsetsOf(plan: PoolPlan): Map<number, number> {
  const offsets = new Map<number, number>();
  plan.members.forEach((g, local) => offsets.set(g, plan.result.offsets[local]!));
  return offsets;
}

/** The final assignment and offsets, with what is needed to judge optimality. */
interface FinalPlacement {
  readonly choice: readonly number[];
  /** offsets[k]: buffer index -> offset in pool k. */
  readonly offsets: readonly ReadonlyMap<number, number>[];
  /** The strategy's packing of each pool (still exact for the pools not in changedPools). */
  readonly plans: readonly PoolPlan[];
  readonly changedPools: ReadonlySet<number>;
  readonly spilled: boolean;
}

/** The PlanResult: allocations in input order, unplaced buffers, and per-pool figures. */
function assemblePlan(pc: PoolChoices, graph: ConflictGraph, strategyName: StrategyName, f: FinalPlacement): PlanResult {
  const { buffers, pools } = pc;
  const allocations: Allocation[] = [];
  const unplaced: string[] = [];
  const ov = pc.overlay;
  const original = ov?.units.original ?? buffers;
  for (let g = 0; g < original.length; g++) {
    // The buffer's unit (itself without overlays) and its place in the unit's layout.
    const i = ov === undefined ? g : ov.units.unitOf[g]!;
    const k = poolOf(pc, f.choice, i);
    const b = original[g]!;
    if (k < 0) {
      unplaced.push(b.name);
      continue;
    }
    const off = f.offsets[k]?.get(i);
    if (off === undefined) throw new PlannerError('internal', `buffer '${b.name}' has no offset in pool '${pools[k]!.name}'`);
    const d = ov === undefined ? 0 : ov.layouts[i]![k]!.d[ov.units.memberIndex[g]!]!;
    allocations.push({ name: b.name, pool: pools[k]!.name, offsetBytes: off + d, sizeBytes: b.sizeBytes });
  }
  let allOptimal = !f.spilled && unplaced.length === 0;
  const usage: PoolUsage[] = pools.map((p, k) => {
    const plan = f.plans[k];
    const pristine = plan !== undefined && !f.changedPools.has(k);
    let used = 0;
    const members: number[] = [];
    for (const [g, off] of f.offsets[k] ?? []) {
      used = Math.max(used, off + sizeIn(pc, g, k));
      members.push(g);
    }
    members.sort((a, b) => a - b);
    const lowerBoundBytes = pristine ? plan.problem.lowerBoundBytes : buildPoolProblem(pc, graph, k, members).lowerBoundBytes;
    const proven = used <= lowerBoundBytes || (pristine && plan.result.optimal);
    if (!proven) allOptimal = false;
    return { name: p.name, sizeBytes: p.sizeBytes, usedBytes: used, lowerBoundBytes };
  });
  const fits = unplaced.length === 0 && usage.every((u) => u.sizeBytes === null || u.usedBytes <= u.sizeBytes);
  return { strategy: strategyName, fits, optimal: allOptimal, pools: usage, allocations, unplaced };
}
