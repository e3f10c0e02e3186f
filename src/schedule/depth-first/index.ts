/**
 * Depth-first segments (issue 10): chains of spatial layers run band by band over output rows, so
 * that only line buffers of their intermediate tensors occupy SRAM (line-buffer mode; with --dram 0
 * also column patches over patch-wide line buffers, or 2-D tiles whose members compute each tile's
 * window into region buffers, recomputing the halo).
 *
 * The stage entry `applyDepthFirst` chooses segments on the optimized graph and rewrites each into
 * one segment node; `scheduleGraph` lowers a segment node with `lowerSegmentLayer`.
 */
import type { Graph } from '../../ir/graph.js';
import type { DtypeMode, GraphLiveness } from '../../liveness/graph-liveness.js';
import { graphLiveness } from '../../liveness/graph-liveness.js';
import type { SegmentChoice } from './choose.js';
import { chooseSegments } from './choose.js';
import { segmentGraph } from './rewrite.js';

export { canStreamInput, lowerSegmentLayer, segmentFigures, segmentScratchBytes, segmentWeights } from './lower-segment.js';
export { chooseSegments } from './choose.js';
export { alignLag, channelsLastLayout, overlayLagBytes, segmentIterations, segmentLagBytes, segmentStaging } from './overlay.js';
export type { Staging } from './overlay.js';
export type { SegmentChoice } from './choose.js';
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
  readonly dtype: DtypeMode;
}

export interface DepthFirstResult {
  readonly graph: Graph;
  readonly liveness: GraphLiveness;
  /** For each step of `graph`, the steps of the input graph it runs. */
  readonly sourceSteps: readonly (readonly number[])[];
  readonly segments: readonly SegmentChoice[];
  /** Milliseconds the choice took. */
  readonly chooseMs: number;
}

export function applyDepthFirst(graph: Graph, liveness: GraphLiveness, aliases: ReadonlyMap<string, string>, options: DepthFirstOptions): DepthFirstResult {
  const t0 = performance.now();
  const segments =
    options.enabled && options.noDram
      ? chooseSegments(graph, liveness, aliases, {
          patches: options.patches ?? true,
          tiles: options.tiles ?? options.patches ?? true,
          ...(options.overlayAlignmentBytes !== undefined ? { overlayAlignmentBytes: options.overlayAlignmentBytes } : {}),
          ...(options.aliasOffsets ? { aliasOffsets: options.aliasOffsets } : {}),
        })
      : [];
  if (segments.length === 0) return { graph, liveness, sourceSteps: graph.nodes.map((_, i) => [i]), segments, chooseMs: performance.now() - t0 };
  const rewritten = segmentGraph(graph, segments);
  return {
    graph: rewritten.graph,
    liveness: graphLiveness(rewritten.graph, options.dtype),
    sourceSteps: rewritten.sourceSteps,
    segments,
    chooseMs: performance.now() - t0,
  };
}
