/**
 * Stage entry: Graph -> OptimizedGraph. Runs the layer passes in their fixed order, searches a
 * memory-aware order, takes the in-place merges that order allows, and attributes the saved peak
 * bytes to each kind of optimization by turning the kinds on one after the other (in
 * OPTIMIZATION_KINDS order) and measuring the peak after each.
 */
import type { Graph } from '../ir/graph.js';
import type { DtypeMode } from '../liveness/graph-liveness.js';
import type { OptimizationKind, OptimizedGraph, OptLayer, Storage } from './layer-graph.js';
import { OPTIMIZATION_KINDS } from './layer-graph.js';
import { DEFAULT_LAYER_PASS_OPTIONS, LayerBuilder } from './layer-builder.js';
import type { LayerPassOptions } from './layer-builder.js';
import { LAYER_PASSES } from './passes/index.js';
import { buildMemoryProblem, evaluateOrder } from './memory-model.js';
import { searchOrder, DEFAULT_WIDTH_LIMIT } from './order-search.js';
import type { Placement } from './storage-forest.js';

export interface GraphOptOptions {
  readonly dtype?: DtypeMode;
  /** false: no optimization at all (one layer per node, a storage per tensor, the file's order). */
  readonly enabled?: boolean;
  /** `search` (default): memory-aware order; `file`: keep the model's order. */
  readonly order?: 'search' | 'file';
  /** Turns single rewrites off (see LayerPassOptions); all on by default. */
  readonly passOptions?: Partial<LayerPassOptions>;
  /** Most sets per level before the order search turns into a beam search. */
  readonly orderWidthLimit?: number;
}

interface Built {
  readonly builder: LayerBuilder;
  readonly layers: OptLayer[];
}

function build(graph: Graph, dtype: DtypeMode, kinds: ReadonlySet<OptimizationKind>, passOptions: LayerPassOptions): Built {
  const builder = new LayerBuilder(graph, dtype, passOptions);
  for (const pass of LAYER_PASSES) if (kinds.has(pass.kind)) pass.run(builder);
  return { builder, layers: builder.finish() };
}

interface Variant {
  readonly built: Built;
  readonly problem: ReturnType<typeof buildMemoryProblem>;
  readonly savedBytes: Record<OptimizationKind, number>;
  readonly order: readonly number[];
  readonly evaluation: ReturnType<typeof evaluateOrder>;
  readonly search?: ReturnType<typeof searchOrder>;
}

/**
 * One run of the passes with the given kinds (cumulative ablation in file order: each kind's saving
 * is the peak before it minus the peak after it), then the order.
 */
function runVariant(graph: Graph, dtype: DtypeMode, passOptions: LayerPassOptions, enabledKinds: readonly OptimizationKind[], searching: boolean, widthLimit: number, baselinePeakBytes: number): Variant {
  const savedBytes = Object.fromEntries(OPTIMIZATION_KINDS.map((k) => [k, 0])) as Record<OptimizationKind, number>;
  const kinds = new Set<OptimizationKind>();
  let built = build(graph, dtype, kinds, passOptions);
  let problem = buildMemoryProblem(built.layers, built.builder.forest, graph.inputs, graph.outputs);
  let previous = baselinePeakBytes;
  for (const kind of enabledKinds) {
    kinds.add(kind);
    built = build(graph, dtype, kinds, passOptions);
    problem = buildMemoryProblem(built.layers, built.builder.forest, graph.inputs, graph.outputs);
    const peak = evaluateOrder(problem, built.layers.map((_, i) => i)).peakBytes;
    savedBytes[kind] = previous - peak;
    previous = peak;
  }
  const search = searching ? searchOrder(problem, widthLimit) : undefined;
  const order = search?.order ?? built.layers.map((_, i) => i);
  const evaluation = evaluateOrder(problem, order);
  savedBytes.order = previous - evaluation.peakBytes;
  return { built, problem, savedBytes, order, evaluation, ...(search ? { search } : {}) };
}

export function optimizeGraph(graph: Graph, options: GraphOptOptions = {}): OptimizedGraph {
  const dtype = options.dtype ?? 'as-is';
  const enabled = options.enabled ?? true;
  const searching = enabled && (options.order ?? 'search') === 'search';
  const widthLimit = options.orderWidthLimit ?? DEFAULT_WIDTH_LIMIT;
  const passOptions = { ...DEFAULT_LAYER_PASS_OPTIONS, ...(options.passOptions ?? {}) };
  const baseline = build(graph, dtype, new Set(), passOptions);
  const baselinePeakBytes = evaluateOrder(
    buildMemoryProblem(baseline.layers, baseline.builder.forest, graph.inputs, graph.outputs),
    baseline.layers.map((_, i) => i),
  ).peakBytes;
  // Copy-free Concat keeps the whole output live from its first slice's producer: with some orders
  // that costs more than the copy saves. It is kept when the finished schedule is no worse with it.
  const all = OPTIMIZATION_KINDS.filter((k) => k !== 'order');
  let v = runVariant(graph, dtype, passOptions, enabled ? all : [], searching, widthLimit, baselinePeakBytes);
  if (enabled && v.built.builder.records.some((r) => r.pass === 'copy-free-concat')) {
    const without = runVariant(graph, dtype, passOptions, all.filter((k) => k !== 'concat'), searching, widthLimit, baselinePeakBytes);
    if (without.evaluation.peakBytes < v.evaluation.peakBytes) v = without;
  }
  const { built, order, evaluation, search, savedBytes } = v;

  // Take the in-place merges of the chosen order; the storages are final after that.
  const forest = built.builder.forest.clone();
  const rewrites = [...built.builder.records];
  for (const c of evaluation.inPlace) {
    forest.place(c.output, c.input, 0);
    const layer = built.layers.find((l) => l.writes.includes(c.output));
    rewrites.push({ pass: 'in-place', kind: 'in-place', nodes: layer ? [layer.nodes[layer.nodes.length - 1]!] : [] });
  }
  const placement = new Map<string, Placement>();
  const storages: Storage[] = [];
  for (const s of forest.storages()) {
    const members = forest.members(s);
    for (const m of members) if (!built.builder.gone.has(m)) placement.set(m, forest.find(m));
    const live = members.filter((m) => !built.builder.gone.has(m));
    if (live.length > 0) storages.push({ name: s, sizeBytes: forest.extentBytes(s), members: live });
  }
  return {
    graph,
    layers: order.map((i) => built.layers[i]!),
    placement,
    storages,
    peakBytes: evaluation.peakBytes,
    peakLayer: evaluation.peakIndex,
    liveBytesByLayer: evaluation.liveBytesByLayer,
    baselinePeakBytes,
    savedBytes,
    rewrites,
    order: {
      method: search ? search.method : 'file',
      states: search?.states ?? 0,
      fileOrderPeakBytes: search?.fileOrderPeakBytes ?? evaluation.peakBytes,
    },
  };
}
