/**
 * `auto`, the default strategy: run the fast heuristics (every greedy and best fit), keep the best
 * (ties: the first in the list below); stop when it meets the lower bound. Otherwise improve it with
 * a short hill climb, then with `exact` within its node budget, and with `ilp` on small problems when
 * time remains and nothing is proven yet (only its proofs are used, so that the plan does not depend
 * on the machine's speed). The result is optimal only when one of them proved it.
 * With a capacity, the searches first try to fit it and then keep minimising the used bytes.
 * `exact` gets the node budget (planner/search-budget.ts; 60% of it when the ILP may follow).
 */
import { PlannerError } from './errors.js';
import type { PackContext, PackProblem, PackResult, PackStrategy } from './problem.js';
import type { StrategyName } from './types.js';
import { greedySizePack } from './greedy-size.js';
import { greedyConflictsPack } from './greedy-conflicts.js';
import { greedyBreadthPack } from './greedy-breadth.js';
import { greedyLifetimePack } from './greedy-lifetime.js';
import { bestFitPack } from './best-fit.js';
import { hillClimb } from './hill-climb.js';
import { exactSearch } from './exact.js';
import { ilpPack } from './ilp/ilp-strategy.js';
import { nodeBudgetOf, type BudgetedContext } from './search-budget.js';

/** The heuristics auto runs first, in tie-break order. */
export const AUTO_HEURISTICS: readonly (readonly [StrategyName, PackStrategy])[] = [
  ['greedy-size', greedySizePack],
  ['greedy-conflicts', greedyConflictsPack],
  ['greedy-breadth', greedyBreadthPack],
  ['greedy-lifetime', greedyLifetimePack],
  ['best-fit', bestFitPack],
];

/** Iterations of the hill climb inside auto (the full strategy runs longer). */
const AUTO_HILL_CLIMB_ITERATIONS = 300;
/** Up to this many items, auto keeps part of the time for the ILP after `exact`. */
const AUTO_ILP_MAX_ITEMS = 60;
/** The ILP is not started with less time than this (ms). */
const AUTO_ILP_MIN_MS = 200;

export const autoPack: PackStrategy = async (problem: PackProblem, context: PackContext): Promise<PackResult> => {
  const cap = problem.capacityBytes;
  const lb = problem.lowerBoundBytes;
  const fitsCap = (r: PackResult): boolean => cap === null || r.usedBytes <= cap;
  // Better = fits when the other does not, else fewer bytes.
  const better = (a: PackResult, b: PackResult): boolean =>
    fitsCap(a) !== fitsCap(b) ? fitsCap(a) : a.usedBytes < b.usedBytes;

  let best: PackResult | undefined;
  for (const [, strategy] of AUTO_HEURISTICS) {
    const r = await strategy(problem, context);
    if (best === undefined || better(r, best)) best = r;
  }
  if (best === undefined) throw new PlannerError('internal', 'auto has no heuristics');
  context.onProgress?.({ phase: 'heuristics', bestBytes: best.usedBytes, lowerBoundBytes: lb });
  if (best.usedBytes <= lb) return { ...best, optimal: true };

  const climbed = hillClimb(problem, { ...context, incumbentOffsets: best.offsets }, { maxIterations: AUTO_HILL_CLIMB_ITERATIONS });
  if (better(climbed, best)) best = climbed;
  if (best.usedBytes <= lb) return { ...best, optimal: true };

  const now = Date.now();
  const useIlp = problem.items.length <= AUTO_ILP_MAX_ITEMS;
  const exactDeadline = useIlp ? now + Math.floor((context.deadlineMs - now) * 0.6) : context.deadlineMs;
  const budget = nodeBudgetOf(context);
  const exactContext: BudgetedContext = {
    ...context,
    deadlineMs: exactDeadline,
    upperBoundBytes: best.usedBytes,
    incumbentOffsets: best.offsets,
    nodeBudget: useIlp ? Math.floor(budget * 0.6) : budget,
  };
  const exact = exactSearch(problem, exactContext);
  let infeasible = exact.infeasible === true;
  if (better(exact, best)) best = exact;
  else if (exact.optimal && exact.usedBytes === best.usedBytes) best = { ...best, optimal: true };
  if (best.optimal || infeasible) return { ...best, ...(infeasible ? { infeasible } : {}) };

  if (useIlp && context.deadlineMs - Date.now() >= AUTO_ILP_MIN_MS) {
    // Only the ILP's proofs are taken: a solution it holds when its time runs out depends on the
    // machine's speed, and auto's plans must not.
    const ilp = await ilpPack(problem, { ...context, upperBoundBytes: best.usedBytes, incumbentOffsets: best.offsets });
    infeasible = ilp.infeasible === true;
    if (ilp.optimal && better(ilp, best)) best = ilp;
    else if (ilp.optimal && ilp.usedBytes === best.usedBytes) best = { ...best, optimal: true };
  }
  return { ...best, ...(infeasible ? { infeasible } : {}) };
};
