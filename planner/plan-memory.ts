/**
 * planMemory: buffers and pools in, a verified plan out.
 *
 * 1. Validate the inputs (PlannerError invalid-input) and build the conflict graph once.
 * 2. Every buffer starts in its first candidate pool that could hold it alone.
 * 3. Plan each pool with the asked strategy. When a bounded pool overflows, choose what moves to
 *    each buffer's next candidate so that the fewest bytes (or the least spill cost, from
 *    spillCostByPool) move: first until no step's live bytes exceed the capacity (a greedy on
 *    "bytes of excess removed per unit of cost" over the overflowing steps, preferring one buffer that
 *    covers the excess over several smaller ones), then, if the packing itself still overflows,
 *    one buffer at a time around the buffers above the capacity, re-planning after each (after a
 *    few such rounds, every buffer above the capacity moves at once). Buffers
 *    that run out of candidates are reported as unplaced (a bounded pool is never exceeded).
 * 4. Local improvement: try to put each moved buffer back into an earlier candidate at the lowest
 *    free offset of that pool's plan (most costly first).
 * 5. Verify the plan independently (a failure is a PlannerError `verification-failed`: a bug, never
 *    a wrong answer).
 *
 * The result's strategy is the name asked for ("auto" for auto). Allocations follow the input
 * order. Searches are bounded in nodes derived from the time limit (planner/search-budget.ts), so
 * the plan is the same on every run unless the machine is too slow to spend that budget before
 * the wall-clock deadline (a safety net).
 */
import { PlannerError } from './errors.js';
import type { Allocation, BufferInfo, PlanOptions, PlanResult, Pool, PoolUsage, StrategyName } from './types.js';
import type { PackItem, PackProblem, PackResult } from './problem.js';
import { buildConflictGraph, inducedSubgraph } from './conflict-graph.js';
import { packLowerBound } from './lower-bound.js';
import { DEFAULT_STRATEGY, strategyByName } from './registry.js';
import { validatePlanInputs } from './validate.js';
import { verifyPlan } from './verify.js';
import { NODES_PER_MS, type BudgetedContext } from './search-budget.js';
import { alignUp } from './place-in-order.js';

/** Search budget when PlanOptions.timeLimitMs is not given. */
export const DEFAULT_TIME_LIMIT_MS = 5000;

/** Spill rounds per pool that move one buffer and re-plan, before moving all that overflow at once. */
const MAX_SINGLE_SPILL_ROUNDS = 8;

interface PoolPlan {
  /** Pool index. */
  pool: number;
  /** Global buffer indices in this pool, ascending. */
  members: number[];
  problem: PackProblem;
  result: PackResult;
  /** Offsets by global index (kept in sync after put-backs). */
  offsetOf: Map<number, number>;
  /** True while `result` is the strategy's answer for exactly `members`. */
  pristine: boolean;
}

export async function planMemory(
  buffers: readonly BufferInfo[],
  pools: readonly Pool[],
  options: PlanOptions = {},
): Promise<PlanResult> {
  validatePlanInputs(buffers, pools);
  const strategyName: StrategyName = options.strategy ?? DEFAULT_STRATEGY;
  const strategy = strategyByName(strategyName);
  const seed = options.seed ?? 1;
  const timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  const deadlineMs = Date.now() + timeLimitMs;
  // Deterministic search budget: the time limit in nodes, shared by the pools.
  const nodeBudgetPerCall = Math.floor((timeLimitMs * NODES_PER_MS) / pools.length);
  const graph = buildConflictGraph(buffers);
  const n = buffers.length;
  const poolIndex = new Map<string, number>();
  pools.forEach((p, k) => poolIndex.set(p.name, k));

  // Candidate pools per buffer (pool indices), dropping bounded pools too small for it alone.
  const candidates: number[][] = buffers.map((b) => {
    const names = b.poolCandidates ?? pools.map((p) => p.name);
    return names.map((name) => poolIndex.get(name)!).filter((k) => {
      const cap = pools[k]!.sizeBytes;
      return cap === null || b.sizeBytes <= cap;
    });
  });
  const firstChoice = buffers.map((b) => poolIndex.get((b.poolCandidates ?? [pools[0]!.name])[0]!)!);
  const choice = new Int32Array(n); // index into candidates[i]; >= length means unplaced
  const poolOf = (i: number): number => candidates[i]![choice[i]!] ?? -1;

  const alignmentIn = (i: number, k: number): number => buffers[i]!.alignmentBytes ?? pools[k]!.alignmentBytes ?? 1;
  const costIn = (i: number, k: number): number => {
    const b = buffers[i]!;
    const name = pools[k]!.name;
    return b.spillCostByPool?.[name] ?? (k === firstChoice[i] ? 0 : b.sizeBytes);
  };
  /** Cost of moving i from its pool to its next candidate (Infinity: it would become unplaced). */
  const moveCost = (i: number): number => {
    const next = candidates[i]![choice[i]! + 1];
    if (next === undefined) return Infinity;
    return Math.max(0, costIn(i, next) - costIn(i, poolOf(i)));
  };

  const buildProblem = (k: number, members: number[]): PackProblem => {
    const items: PackItem[] = members.map((g, local) => {
      const b = buffers[g]!;
      return {
        index: local,
        name: b.name,
        sizeBytes: b.sizeBytes,
        alignmentBytes: alignmentIn(g, k),
        ...(b.startStep !== undefined && b.endStep !== undefined ? { startStep: b.startStep, endStep: b.endStep } : {}),
      };
    });
    const neighbors = inducedSubgraph(graph.neighbors, members);
    return {
      items,
      neighbors,
      capacityBytes: pools[k]!.sizeBytes,
      lowerBoundBytes: packLowerBound(items, neighbors, graph.hasExplicitEdges),
    };
  };

  const plans = new Map<number, PoolPlan>();
  const planPool = async (k: number, callDeadline: number): Promise<PoolPlan> => {
    const members: number[] = [];
    for (let i = 0; i < n; i++) if (poolOf(i) === k) members.push(i);
    const problem = buildProblem(k, members);
    const context: BudgetedContext = {
      seed,
      deadlineMs: callDeadline,
      nodeBudget: nodeBudgetPerCall,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    };
    const result = await strategy(problem, context);
    if (result.offsets.length !== members.length) throw new PlannerError('internal', `strategy ${strategyName} returned ${result.offsets.length} offsets for ${members.length} buffers`);
    const offsetOf = new Map<number, number>();
    members.forEach((g, local) => offsetOf.set(g, result.offsets[local]!));
    const plan = { pool: k, members, problem, result, offsetOf, pristine: true };
    plans.set(k, plan);
    return plan;
  };

  // 3. Plan, spilling from bounded pools that overflow.
  const dirty = new Set<number>(pools.map((_, k) => k));
  const phaseBRounds = new Map<number, number>();
  let movedOff = false;
  while (dirty.size > 0) {
    for (let k = 0; k < pools.length; k++) {
      if (!dirty.has(k)) continue;
      dirty.delete(k);
      const now = Date.now();
      const share = Math.max(0, deadlineMs - now) / Math.max(1, dirty.size + 1);
      const plan = await planPool(k, now + share);
      const cap = pools[k]!.sizeBytes;
      if (cap === null || plan.result.usedBytes <= cap) continue;
      const evict = chooseSpill(plan, cap);
      if (evict.length === 0) throw new PlannerError('internal', `pool '${pools[k]!.name}' overflows but nothing can be spilled`);
      for (const g of evict) {
        choice[g] = choice[g]! + 1;
        movedOff = true;
        const next = poolOf(g);
        if (next >= 0) dirty.add(next);
      }
      dirty.add(k);
      break; // restart in pool order
    }
  }

  /** Buffers to move out of an overflowing pool (global indices). */
  function chooseSpill(plan: PoolPlan, cap: number): number[] {
    const { members, problem, result } = plan;
    const chosen = new Set<number>(); // local indices
    const better = (a: { ratio: number; benefit: number; cost: number; local: number }, b: typeof a): boolean => {
      if (a.ratio !== b.ratio) return a.ratio > b.ratio;
      if (a.benefit !== b.benefit) return a.benefit > b.benefit;
      if (a.cost !== b.cost) return a.cost < b.cost;
      return problem.items[a.local]!.name < problem.items[b.local]!.name;
    };
    const score = (local: number, benefit: number) => {
      const cost = moveCost(members[local]!);
      return { local, benefit, cost, ratio: cost === Infinity ? -1 / benefit : cost === 0 ? Infinity : benefit / cost };
    };

    // Phase A: live bytes per step (interval items) above the capacity.
    const timed: number[] = [];
    problem.items.forEach((it, local) => {
      if (it.startStep !== undefined && it.sizeBytes > 0) timed.push(local);
    });
    if (timed.length > 0) {
      const points = [...new Set(timed.flatMap((l) => [problem.items[l]!.startStep!, problem.items[l]!.endStep! + 1]))].sort((a, b) => a - b);
      const seg = new Map<number, number>();
      points.forEach((p, s) => seg.set(p, s));
      const excess = new Float64Array(points.length);
      for (const l of timed) {
        const it = problem.items[l]!;
        for (let s = seg.get(it.startStep!)!; s < seg.get(it.endStep! + 1)!; s++) excess[s] = excess[s]! + it.sizeBytes;
      }
      for (let s = 0; s < excess.length; s++) excess[s] = Math.max(0, excess[s]! - cap);
      for (;;) {
        let worst = -1;
        for (let s = 0; s < excess.length; s++) if (excess[s]! > 0 && (worst < 0 || excess[s]! > excess[worst]!)) worst = s;
        if (worst < 0) break;
        let pick: ReturnType<typeof score> | undefined;
        for (const l of timed) {
          if (chosen.has(l)) continue;
          const it = problem.items[l]!;
          const lo = seg.get(it.startStep!)!;
          const hi = seg.get(it.endStep! + 1)!;
          if (worst < lo || worst >= hi) continue;
          let benefit = 0;
          for (let s = lo; s < hi; s++) benefit += Math.min(it.sizeBytes, excess[s]!);
          const c = score(l, benefit);
          if (pick === undefined || better(c, pick)) pick = c;
        }
        if (pick === undefined) break;
        chosen.add(pick.local);
        const it = problem.items[pick.local]!;
        for (let s = seg.get(it.startStep!)!; s < seg.get(it.endStep! + 1)!; s++) excess[s] = Math.max(0, excess[s]! - it.sizeBytes);
      }
    }
    if (chosen.size > 0) return [...chosen].map((l) => members[l]!);

    // Phase B: the packing overflows although no step does (fragmentation, or conflict lists).
    const over: number[] = [];
    problem.items.forEach((it, l) => {
      if (result.offsets[l]! + it.sizeBytes > cap) over.push(l);
    });
    const excessAt = new Map<number, number>();
    for (const o of over) {
      const e = result.offsets[o]! + problem.items[o]!.sizeBytes - cap;
      for (const l of [o, ...problem.neighbors[o]!]) excessAt.set(l, Math.max(excessAt.get(l) ?? 0, e));
    }
    // After a few one-at-a-time rounds, move every buffer above the capacity at once (the rest of
    // this packing then fits); the put-back pass returns those that fit after all.
    const rounds = (phaseBRounds.get(plan.pool) ?? 0) + 1;
    phaseBRounds.set(plan.pool, rounds);
    if (rounds > MAX_SINGLE_SPILL_ROUNDS) return over.filter((l) => problem.items[l]!.sizeBytes > 0).map((l) => members[l]!);
    let pick: ReturnType<typeof score> | undefined;
    for (const [l, e] of excessAt) {
      const size = problem.items[l]!.sizeBytes;
      if (size === 0) continue;
      const c = score(l, Math.min(size, e));
      if (pick === undefined || better(c, pick)) pick = c;
    }
    return pick === undefined ? [] : [members[pick.local]!];
  }

  // 4. Put moved buffers back into an earlier candidate where they fit on top of the current plan.
  if (movedOff) {
    const moved: number[] = [];
    for (let i = 0; i < n; i++) if (choice[i]! > 0) moved.push(i);
    moved.sort((a, b) => {
      const ca = costIn(a, poolOf(a) < 0 ? firstChoice[a]! : poolOf(a));
      const cb = costIn(b, poolOf(b) < 0 ? firstChoice[b]! : poolOf(b));
      return cb - ca || buffers[b]!.sizeBytes - buffers[a]!.sizeBytes || (buffers[a]!.name < buffers[b]!.name ? -1 : 1);
    });
    for (const g of moved) {
      for (let c = 0; c < choice[g]!; c++) {
        const k = candidates[g]![c]!;
        const plan = plans.get(k);
        if (plan === undefined) continue;
        const offset = lowestFreeOffset(g, k, plan);
        const cap = pools[k]!.sizeBytes;
        if (cap !== null && offset + buffers[g]!.sizeBytes > cap) continue;
        const from = plans.get(poolOf(g));
        if (from !== undefined) {
          from.offsetOf.delete(g);
          from.pristine = false;
        }
        plan.offsetOf.set(g, offset);
        plan.pristine = false;
        choice[g] = c;
        break;
      }
    }
  }

  function lowestFreeOffset(g: number, k: number, plan: PoolPlan): number {
    const spans: [number, number][] = [];
    for (const h of graph.neighbors[g]!) {
      const off = plan.offsetOf.get(h);
      if (off === undefined || buffers[h]!.sizeBytes === 0) continue;
      spans.push([off, off + buffers[h]!.sizeBytes]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    const align = alignmentIn(g, k);
    const size = buffers[g]!.sizeBytes;
    let at = 0;
    if (size === 0) return 0;
    for (const [lo, hi] of spans) {
      if (at + size <= lo) break;
      if (hi > at) at = alignUp(hi, align);
    }
    return at;
  }

  // 5. Assemble, verify.
  const allocations: Allocation[] = [];
  const unplaced: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = poolOf(i);
    const b = buffers[i]!;
    if (k < 0) {
      unplaced.push(b.name);
      continue;
    }
    const off = plans.get(k)?.offsetOf.get(i);
    if (off === undefined) throw new PlannerError('internal', `buffer '${b.name}' has no offset in pool '${pools[k]!.name}'`);
    allocations.push({ name: b.name, pool: pools[k]!.name, offsetBytes: off, sizeBytes: b.sizeBytes });
  }
  let allOptimal = !movedOff && unplaced.length === 0;
  const usage: PoolUsage[] = pools.map((p, k) => {
    const plan = plans.get(k);
    let used = 0;
    const members: number[] = [];
    if (plan !== undefined) {
      for (const [g, off] of plan.offsetOf) {
        used = Math.max(used, off + buffers[g]!.sizeBytes);
        members.push(g);
      }
    }
    members.sort((a, b) => a - b);
    const lowerBoundBytes = plan !== undefined && plan.pristine ? plan.problem.lowerBoundBytes : buildProblem(k, members).lowerBoundBytes;
    const proven = used <= lowerBoundBytes || (plan !== undefined && plan.pristine && plan.result.optimal);
    if (!proven) allOptimal = false;
    return { name: p.name, sizeBytes: p.sizeBytes, usedBytes: used, lowerBoundBytes };
  });
  const fits = unplaced.length === 0 && usage.every((u) => u.sizeBytes === null || u.usedBytes <= u.sizeBytes);
  const plan: PlanResult = { strategy: strategyName, fits, optimal: allOptimal, pools: usage, allocations, unplaced };
  const issues = verifyPlan(buffers, pools, plan);
  if (issues.length > 0) {
    const quoted = issues.slice(0, 5).map((i) => i.message);
    throw new PlannerError('verification-failed', `plan failed verification: ${quoted.join('; ')}`, { issues });
  }
  return plan;
}
