/**
 * The single-pool packing problem every strategy solves, and the strategy signature. An item is a
 * buffer, or an overlay group packed as one (planner/overlay.ts: then `zones` says where its members
 * may not meet its neighbors, and `pieces` what it holds live at each step).
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
  /**
   * Live bytes by step of an overlay group (planner/overlay.ts): for each step range, the bytes of the
   * union of its members live there. Absent for ordinary items (sizeBytes over [start, end]).
   */
  readonly pieces?: readonly LivePiece[];
}

/** Bytes live over an inclusive step range. */
export interface LivePiece {
  readonly start: number;
  readonly end: number;
  readonly bytes: number;
}

/**
 * Forbidden differences of two items' offsets, as sorted, disjoint, non-adjacent half-open ranges
 * [lo, hi): zones[i][k] lists the values of offset(i) - offset(neighbors[i][k]) that overlap two
 * conflicting members. For ordinary items of sizes si and sj it is the one range [1 - si, sj)
 * (empty when either size is 0).
 */
export type Zone = readonly [number, number];

export interface PackProblem {
  readonly items: readonly PackItem[];
  /** neighbors[i]: ascending indices of the items that conflict with item i (symmetric, no self). */
  readonly neighbors: readonly (readonly number[])[];
  /** Capacity in bytes; null = unbounded (minimize the high-water mark). */
  readonly capacityBytes: number | null;
  /** A valid lower bound on usedBytes (live-sum or clique bound). */
  readonly lowerBoundBytes: number;
  /**
   * Present only when the pool holds an overlay group: zones[i][k] are the forbidden offset
   * differences of item i and item neighbors[i][k] (see Zone). An item then sits at `offset`, its
   * members at fixed distances above it, and usedBytes is still max(offset + sizeBytes). Every
   * strategy honors the zones instead of the [offset, offset + size) blocks when they are present.
   */
  readonly zones?: readonly (readonly (readonly Zone[])[])[];
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
