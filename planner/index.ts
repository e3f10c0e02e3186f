/**
 * memplan's planner library: a pure library (no ONNX, no I/O). Buffers and pools in, a verified
 * plan out. See planner/types.ts for the contract and planner/problem.ts for the strategy signature.
 */
export { planMemory } from './plan-memory.js';
export { verifyPlan } from './verify.js';
export type { PlanIssue, PlanRule } from './verify.js';
export { PlannerError } from './errors.js';
export type { PlannerErrorDetails, PlannerErrorKind } from './errors.js';
export { liveSumBound, cliqueBound, packLowerBound } from './lower-bound.js';
export type { SizedInterval, LiveSumBound } from './lower-bound.js';
export { buildConflictGraph } from './conflict-graph.js';
export type { ConflictGraph, ConflictSource } from './conflict-graph.js';
export { STRATEGIES, STRATEGY_NAMES, DEFAULT_STRATEGY, strategyByName, isStrategyName } from './registry.js';
export { createPrng } from './prng.js';
export type { BudgetedContext } from './search-budget.js';
export type { Prng } from './prng.js';
export type {
  Allocation,
  BufferInfo,
  PlanOptions,
  PlanResult,
  Pool,
  PoolUsage,
  StrategyName,
} from './types.js';
export type { PackContext, PackItem, PackProblem, PackResult, PackStrategy } from './problem.js';
