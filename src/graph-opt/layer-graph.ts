/**
 * The layer-level IR that graph optimizations produce and the later stages consume: a layer computes
 * one or more model nodes; tensors that never exist (fused intermediates, folded Pads) are gone; every
 * surviving tensor belongs to a storage (a buffer), possibly at a fixed offset inside it. Op-agnostic:
 * nothing here names an op type.
 */
import type { Graph } from '../ir/graph.js';
import type { Placement } from './storage-forest.js';

export type { Placement } from './storage-forest.js';

/** The kinds of optimization, in the order their savings are attributed. */
export const OPTIMIZATION_KINDS = ['fusion', 'alias', 'concat', 'in-place', 'order'] as const;
export type OptimizationKind = (typeof OPTIMIZATION_KINDS)[number];

export interface OptLayer {
  /** Unique: the name of the layer's first node. */
  readonly name: string;
  /** Op type of the first node (the anchor of a fused chain). */
  readonly op: string;
  /** Indices in `Graph.nodes` of the nodes this layer computes, in execution order. */
  readonly nodeIndices: readonly number[];
  /** Names of those nodes (the report's per-layer `nodes`). */
  readonly nodes: readonly string[];
  /** Activation tensors read from outside the layer (each once, in first-use order). */
  readonly reads: readonly string[];
  /** Tensors the layer writes that exist after it (each once). */
  readonly writes: readonly string[];
  /**
   * Outputs that may overwrite an input of the same size: the output element i is computed from
   * input element i only, after reading it. Used when that input's storage dies at this layer.
   */
  readonly inPlaceCandidates: readonly { readonly output: string; readonly input: string }[];
  /** True when the layer moves no data (views, copy-free Concat and Split): it emits no code. */
  readonly noCode: boolean;
}

/** A record of one rewrite, for reports and tests. */
export interface RewriteRecord {
  /** Pass name, e.g. `fuse-activation`. */
  readonly pass: string;
  readonly kind: OptimizationKind;
  /** Nodes the rewrite touched (the anchor first). */
  readonly nodes: readonly string[];
}

/** One storage (a buffer of the plan). */
export interface Storage {
  /** The root tensor's name. */
  readonly name: string;
  readonly sizeBytes: number;
  /** Tensors it holds (the root first). */
  readonly members: readonly string[];
}

export interface OrderSearchInfo {
  /** `file`: the model's order was asked for; `exact`: the search was exhaustive; `beam`: bounded. */
  readonly method: 'file' | 'exact' | 'beam';
  /** States the search expanded. */
  readonly states: number;
  /** Peak of the file's order under the same optimizations (the search never returns more). */
  readonly fileOrderPeakBytes: number;
}

export interface OptimizedGraph {
  /** The graph after constant rewrites (BatchNormalization folded into Conv weights, Pads folded). */
  readonly graph: Graph;
  /** Layers in execution order. */
  readonly layers: readonly OptLayer[];
  /** Storage and byte offset of every tensor that exists. */
  readonly placement: ReadonlyMap<string, Placement>;
  readonly storages: readonly Storage[];
  /** Largest live sum over the layers (the graph-level accounting of DESIGN.md after optimization). */
  readonly peakBytes: number;
  /** Index in `layers` of the first layer at the peak. */
  readonly peakLayer: number;
  /** Live bytes at each layer, in `layers` order. */
  readonly liveBytesByLayer: readonly number[];
  /** The same accounting with no optimization (equals GraphLiveness.peakLiveBytes). */
  readonly baselinePeakBytes: number;
  /** Bytes of peak saved by each kind, attributed in OPTIMIZATION_KINDS order (cumulative ablation). */
  readonly savedBytes: Readonly<Record<OptimizationKind, number>>;
  readonly rewrites: readonly RewriteRecord[];
  readonly order: OrderSearchInfo;
}
