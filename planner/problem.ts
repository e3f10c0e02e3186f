/**
 * The single-pool packing problem every strategy solves, and the strategy signature.
 * `planMemory` (planner/index.ts) turns buffers and pools into one PackProblem per pool,
 * calls a strategy from the registry, and verifies the result.
 */

/** One buffer of a single-pool problem, by index. */
export interface PackItem {
  /** Index into the problem's `items` (and the caller's buffer list for this pool). */
  readonly index: number;
  readonly name: string;
  readonly sizeBytes: number;
  /** Effective alignment in bytes (power of two, >= 1). */
  readonly alignmentBytes: number;
  /** Inclusive live interval when the buffer has one (used by interval-aware heuristics). */
  readonly start?: number;
  readonly end?: number;
}

export interface PackProblem {
  readonly items: readonly PackItem[];
  /** neighbors[i]: ascending indices of the items that conflict with item i (symmetric, no self). */
  readonly neighbors: readonly (readonly number[])[];
  /** Capacity in bytes; null = unbounded (minimize the high-water mark). */
  readonly capacityBytes: number | null;
  /** A valid lower bound on usedBytes (live-sum or clique bound). */
  readonly lowerBoundBytes: number;
}

export interface PackContext {
  /** Seed for randomized strategies (use planner/prng.ts, never Math.random). */
  readonly seed: number;
  /** Absolute deadline, in Date.now() milliseconds, for search strategies. */
  readonly deadlineMs: number;
  /** Best known usedBytes from another strategy (a bound for search), if any. */
  readonly upperBoundBytes?: number;
  /** Best known offsets matching upperBoundBytes, if any. */
  readonly incumbentOffsets?: readonly number[];
  readonly onProgress?: (info: { readonly phase: string; readonly bestBytes: number; readonly lowerBoundBytes: number }) => void;
}

export interface PackResult {
  /** offsets[i] is the offset in bytes of item i; every offset is a multiple of its alignment. */
  readonly offsets: readonly number[];
  /** max(offset + size); 0 when there are no items. */
  readonly usedBytes: number;
  /** True only when the strategy proved usedBytes minimal (or it equals the lower bound). */
  readonly optimal: boolean;
  /** True when a capacity-driven search proved no packing within capacityBytes exists. */
  readonly infeasible?: boolean;
}

export type PackStrategy = (problem: PackProblem, context: PackContext) => PackResult | Promise<PackResult>;
