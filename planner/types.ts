/**
 * The planner contract. The planner is a pure library: it knows nothing of ONNX.
 * Buffer sets come in (intervals and/or symmetric conflicts), a verified plan goes out.
 */

/** One buffer to place. */
export interface BufferInfo {
  /** Unique name (also the tie-break of every sort). */
  readonly name: string;
  readonly sizeBytes: number;
  /** Required alignment of the offset in bytes (power of two); undefined = the pool's alignment. */
  readonly alignmentBytes?: number;
  /**
   * First time point the buffer is live (inclusive), in the caller's unit: a step of a buffer-set
   * file (its `start`), a graph step, or a statement slot of the scheduled IR (memplan's buffer sets);
   * undefined when the buffer gives only conflicts.
   */
  readonly start?: number;
  /** Last time point the buffer is live (inclusive), in the same unit. */
  readonly end?: number;
  /** Names of buffers it must not overlap, in addition to interval overlap (symmetric). */
  readonly conflicts?: readonly string[];
  /** Candidate pool names in order of preference; undefined = every pool in the given order. */
  readonly poolCandidates?: readonly string[];
  /**
   * Optional cost of placing this buffer in each pool (e.g. DMA traffic when spilled to DRAM).
   * Used when choosing what to spill; absent = sizeBytes for every pool but the first candidate.
   */
  readonly spillCostByPool?: Readonly<Record<string, number>>;
  /** Free-form kind for reports (activation, tile, double-buffer, scratch); the planner ignores it. */
  readonly kind?: string;
  /**
   * Placed at a fixed distance from another buffer: its offset is that buffer's offset plus
   * `offsetBytes` (negative allowed), in the same pool. The two may overlap: the caller guarantees
   * that the overlap is safe (e.g. an output written over the part of an input already read).
   * Every other conflict of either buffer stands.
   */
  readonly overlay?: { readonly buffer: string; readonly offsetBytes: number };
}

/** A memory pool. */
export interface Pool {
  readonly name: string;
  /** Capacity in bytes; null = unbounded. */
  readonly sizeBytes: number | null;
  /** Default alignment of offsets in this pool (power of two); default 1. */
  readonly alignmentBytes?: number;
}

/** Placement of one buffer. */
export interface Allocation {
  readonly name: string;
  readonly pool: string;
  readonly offsetBytes: number;
  readonly sizeBytes: number;
}

/** Per-pool figures of a plan. */
export interface PoolUsage {
  readonly name: string;
  readonly sizeBytes: number | null;
  /** max(offset + size) over the buffers placed in this pool; 0 when empty. */
  readonly usedBytes: number;
  /** Lower bound for the buffers placed in this pool (max live sum / max clique weight). */
  readonly lowerBoundBytes: number;
}

export type StrategyName =
  | 'auto'
  | 'greedy-size'
  | 'greedy-conflicts'
  | 'greedy-breadth'
  | 'greedy-lifetime'
  | 'best-fit'
  | 'hill-climb'
  | 'exact'
  | 'ilp';

/** The result of planning. Allocations are in input order of the buffers. */
export interface PlanResult {
  readonly strategy: StrategyName | string;
  /** True when every buffer is placed and no bounded pool is exceeded. */
  readonly fits: boolean;
  /** True only when a solver proved it, or every pool's usedBytes equals its lower bound. */
  readonly optimal: boolean;
  readonly pools: readonly PoolUsage[];
  readonly allocations: readonly Allocation[];
  /** Names of buffers that could not be placed in any candidate pool within its capacity. */
  readonly unplaced: readonly string[];
}

export interface PlanOptions {
  readonly strategy?: StrategyName;
  /** Seed for every randomized strategy; default 1. */
  readonly seed?: number;
  /** Wall-clock budget for search strategies (exact, ilp, auto), in milliseconds. */
  readonly timeLimitMs?: number;
  /** Called now and then by long searches (for a progress line). */
  readonly onProgress?: (info: { readonly phase: string; readonly bestBytes: number; readonly lowerBoundBytes: number }) => void;
}
