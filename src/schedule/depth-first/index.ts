/**
 * Depth-first segments (issue 10): chains of spatial layers run band by band over output rows, so
 * that only line buffers of their intermediate tensors occupy SRAM (line-buffer mode; with --dram 0
 * also column patches over patch-wide line buffers, or 2-D tiles whose members compute each tile's
 * window into region buffers, recomputing the halo).
 *
 * The stage entry `applyDepthFirst` chooses segments on the optimized graph and rewrites each into
 * one segment node; `scheduleGraph` lowers a segment node with `lowerSegmentLayer`. With --dram 0 and
 * the graph's alias placements it may first transform squeeze-excitation blocks to run in two passes
 * (recompute.ts), where that lowers the peak the choice reaches.
 */
import type { Graph } from '../../ir/graph.js';
import type { DtypeMode, GraphLiveness } from '../../liveness/graph-liveness.js';
import { graphLiveness } from '../../liveness/graph-liveness.js';
import type { SegmentChoice } from './choose.js';
import { chooseSegments } from './choose.js';
import type { AliasPlacement } from './recompute.js';
import { chooseWithRecompute } from './recompute.js';
import { segmentGraph } from './rewrite.js';

export { canStreamInput, lowerSegmentLayer, segmentFigures, segmentScratchBytes, segmentWeights } from './lower-segment.js';
export { chooseSegments } from './choose.js';
export { alignLag, channelsLastLayout, overlayLagBytes, segmentIterations, segmentLagBytes, segmentStaging } from './overlay.js';
export type { Staging } from './overlay.js';
export type { ChosenSegments, SegmentChoice } from './choose.js';
export { chooseSegmentsDetailed } from './choose.js';
export type { AliasPlacement, SeBlock } from './recompute.js';
export { findSeBlocks, recomputeGraph, RECOMPUTE_SUFFIX, ROWS_SUFFIX } from './recompute.js';
export { SEGMENT_DOMAIN, SEGMENT_OP, segmentGraph } from './rewrite.js';

export interface DepthFirstOptions {
  /** False: no segments (`--no-depth-first`). */
  readonly enabled: boolean;
  /**
   * True when the target has no DRAM (`--dram 0`): every activation is a whole tensor in SRAM, and
   * segments are chosen where they lower that peak. With DRAM, tiles per layer stream through SRAM
   * and no segment is chosen yet.
   */
  readonly noDram: boolean;
  /** With noDram: also column patches (default true). */
  readonly patches?: boolean;
  /** With noDram: also 2-D tiles (default: `patches`). */
  readonly tiles?: boolean;
  /**
   * With noDram: a segment may write its output over the dead part of its input (overlay.ts), its lag
   * rounded up to this alignment (the SRAM pool's). Absent: no overlays.
   */
  readonly overlayAlignmentBytes?: number;
  /** Byte offset of each aliased tensor in its storage (an overlay's input must start its buffer). */
  readonly aliasOffsets?: ReadonlyMap<string, number>;
  /**
   * With noDram: the graph's aliases with their offsets (the lowered graph's). Given, squeeze-
   * excitation blocks may be recomputed in two passes (recompute.ts) where that lowers the peak;
   * `aliases` and `aliasOffsets` are then derived from it.
   */
  readonly placements?: ReadonlyMap<string, AliasPlacement>;
  readonly dtype: DtypeMode;
}

export interface DepthFirstResult {
  readonly graph: Graph;
  readonly liveness: GraphLiveness;
  /** For each step of `graph`, the steps of the input graph it runs. */
  readonly sourceSteps: readonly (readonly number[])[];
  readonly segments: readonly SegmentChoice[];
  /** The aliases of `graph` when recompute changed them (absent: the input graph's). */
  readonly placements?: ReadonlyMap<string, AliasPlacement>;
  /** Milliseconds the choice took. */
  readonly chooseMs: number;
}

export function applyDepthFirst(graph: Graph, liveness: GraphLiveness, aliases: ReadonlyMap<string, string>, options: DepthFirstOptions): DepthFirstResult {
  const t0 = performance.now();
  const chooseOptions = {
    patches: options.patches ?? true,
    tiles: options.tiles ?? options.patches ?? true,
    ...(options.overlayAlignmentBytes !== undefined ? { overlayAlignmentBytes: options.overlayAlignmentBytes } : {}),
    ...(options.aliasOffsets ? { aliasOffsets: options.aliasOffsets } : {}),
  };
  const unchanged = (): DepthFirstResult => ({ graph, liveness, sourceSteps: graph.nodes.map((_, i) => [i]), segments: [], chooseMs: performance.now() - t0 });
  if (!options.enabled || !options.noDram) return unchanged();
  if (options.placements) {
    const r = chooseWithRecompute(graph, liveness, options.placements, chooseOptions, options.dtype, options.aliasOffsets !== undefined);
    if (r.chosen.segments.length === 0) return unchanged();
    const rewritten = segmentGraph(r.graph, r.chosen.segments);
    // Steps of the given graph: through the transformed graph's (a recomputed layer runs its original's step again).
    const sourceSteps = rewritten.sourceSteps.map((steps) => [...new Set(steps.flatMap((s) => r.sourceSteps[s]!))]);
    return {
      graph: rewritten.graph,
      liveness: graphLiveness(rewritten.graph, options.dtype),
      sourceSteps,
      segments: r.chosen.segments,
      ...(r.transforms.size > 0 ? { placements: r.aliases } : {}),
      chooseMs: performance.now() - t0,
    };
  }
  const segments = chooseSegments(graph, liveness, aliases, chooseOptions);
  if (segments.length === 0) return unchanged();
  const rewritten = segmentGraph(graph, segments);
  return {
    graph: rewritten.graph,
    liveness: graphLiveness(rewritten.graph, options.dtype),
    sourceSteps: rewritten.sourceSteps,
    segments,
    chooseMs: performance.now() - t0,
  };
}
