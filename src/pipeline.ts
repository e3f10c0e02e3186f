/**
 * Composes the stages (cf. TVM's PlanMemory): import -> graph liveness -> schedule (tiles, DMA,
 * cores) -> liveness per storage scope -> plan -> verify -> report data.
 * Pure: no file system, no printing. Returns every intermediate so tests and tools can look inside.
 */
import type { Graph, OpNode } from './ir/graph.js';
import type { ScheduledModel } from './ir/loop.js';
import { importModelFile } from './frontend/import-model.js';
import type { DtypeMode, GraphLiveness } from './liveness/graph-liveness.js';
import { graphLiveness } from './liveness/graph-liveness.js';
import type { ScopedBufferSet } from './liveness/extract.js';
import { extractBufferSets } from './liveness/extract.js';
import { withStateBuffers } from './liveness/state-buffers.js';
import type { OptimizedGraph } from './graph-opt/layer-graph.js';
import { optimizeGraph } from './graph-opt/optimize-graph.js';
import { lowerGraph } from './graph-opt/lower-graph.js';
import type { LoweredGraph } from './graph-opt/lower-graph.js';
import { applyDepthFirst, chooseSegments, segmentGraph, segmentWeights } from './schedule/depth-first/index.js';
import type { TargetSpec } from './schedule/target.js';
import { applyOverrides, globalOf, sramOf, weightsViaDma, withResidentWeights } from './schedule/target.js';
import { planOptions, scheduleGraph } from './schedule/schedule-graph.js';
import type { PlanResult, StrategyName } from '../planner/types.js';
import { planMemory } from '../planner/index.js';
import { rethrowPlannerError } from './diagnostics/planner-errors.js';
import type { AnalysisReport } from '../reports/analysis-model.js';
import type { PlannedRun } from '../reports/build-analysis.js';
import { buildAnalysisReport } from '../reports/build-analysis.js';
import { headroomRecord, withHeadroom } from './headroom.js';
import type { CodegenInput } from './codegen/input.js';

export interface AnalyzeOptions {
  /** Model file name as shown in reports (base name). */
  readonly modelName: string;
  readonly target: TargetSpec;
  readonly inputShapes?: ReadonlyMap<string, readonly number[]>;
  readonly dtype?: DtypeMode;
  readonly strategy?: StrategyName;
  readonly timeLimitMs?: number;
  readonly seed?: number;
  /** Double-buffer streamed tiles when it fits (default true). */
  readonly doubleBuffer?: boolean;
  /** Also find the smallest SRAM size at which everything fits, exactly (findMinSram). */
  readonly findMinSram?: boolean;
  /**
   * Fraction (0..1, default 0) of every bounded memory kept free: the pipeline plans into the rest and
   * the gate fails (MP403) when that does not fit (src/headroom.ts).
   */
  readonly headroom?: number;
  /** Graph optimizations (fusion, in place, aliases, copy-free Concat, order); default true. */
  readonly graphOpt?: boolean;
  /** Depth-first segments where they lower the SRAM peak (default true; `--no-depth-first`). */
  readonly depthFirst?: boolean;
  /** With --dram 0, also column patches (halo columns recomputed) besides line-buffer segments (default true). */
  readonly depthFirstPatches?: boolean;
  /** With --dram 0, also 2-D tiles (halo rows and columns recomputed, region buffers; default: depthFirstPatches). */
  readonly depthFirstTiles?: boolean;
  /**
   * With --dram 0: squeeze-excitation blocks may run in two passes (their producer chain recomputed,
   * schedule/depth-first/recompute.ts) where that lowers the peak (default true).
   */
  readonly depthFirstRecompute?: boolean;
  /**
   * With DRAM: a depth-first segment is kept when its estimated cycles exceed those of the layers it
   * replaces by at most this fraction (default 0.1, `--max-slowdown 10%`).
   */
  readonly maxSlowdown?: number;
  /** `search` (default): memory-aware layer order; `file`: the model's order. */
  readonly order?: 'search' | 'file';
  readonly onProgress?: (info: { readonly phase: string; readonly bestBytes: number; readonly lowerBoundBytes: number }) => void;
  /**
   * Plans already made in this analysis, by buffer set (the planner is deterministic): the probes of
   * --min-sram often schedule the same buffers (without DRAM everything is resident), and a buffer set
   * whose lower bound is out of reach (overlays) makes the planner spend its whole search budget.
   * analyzeGraph sets it.
   */
  readonly planCache?: Map<string, PlanResult>;
}

export interface Analysis {
  /** The model as imported (the baseline's graph). */
  readonly sourceGraph: Graph;
  /** The graph that was scheduled and is generated as C: one node per optimized layer. */
  readonly graph: Graph;
  /** Graph-level liveness of `graph` (the scheduled nodes). */
  readonly liveness: GraphLiveness;
  /** The graph optimizations' layers, storages and peak (the baseline when they are off). */
  readonly optimized: OptimizedGraph;
  readonly schedule: ScheduledModel;
  readonly bufferSet: ScopedBufferSet;
  readonly plan: PlanResult;
  readonly report: AnalysisReport;
  /** Depth-first segments chosen (count) and the milliseconds the choice took (0 when no choice was needed; not deterministic: never reported). */
  readonly depthFirst: { readonly segments: number; readonly chooseMs: number };
}

/** Imports an ONNX model and analyzes it. Throws MemplanError subclasses on bad input. */
export async function analyzeModel(bytes: Uint8Array, options: AnalyzeOptions): Promise<Analysis> {
  const graph = importModelFile(bytes, {
    fileName: options.modelName,
    ...(options.inputShapes ? { inputShapes: options.inputShapes } : {}),
  });
  return analyzeGraph(graph, options);
}

interface Fitted extends PlannedRun {
  /** The graph scheduled: the one given, or with depth-first segments chosen for this target (with DRAM). */
  readonly graph: Graph;
  readonly liveness: GraphLiveness;
  /** For each step of `graph`, the steps of the graph given to fit(). */
  readonly sourceSteps: readonly (readonly number[])[];
}

/** The graph with the depth-first segments chosen for a target without DRAM (applyDepthFirst). */
export interface SegmentedAlternative {
  readonly graph: Graph;
  readonly liveness: GraphLiveness;
  /** For each step of `graph`, the steps of the layer-by-layer graph it runs. */
  readonly sourceSteps: readonly (readonly number[])[];
  /** Buffer aliases of `graph` when they differ from the layer-by-layer graph's (recomputed squeeze-excitation blocks). */
  readonly aliases?: LoweredGraph['aliases'];
}

/**
 * The segmented graphs, in order of preference, each chosen on first use: a run whose layer-by-layer
 * schedule fits never pays for the choice, nor one whose first alternative fits for the second.
 * `k` = 0: the choice with overlays (outputs written over the dead part of inputs); 1: the choice
 * without them, tried when the plan of the first does not fit (the planner may not reach the bytes
 * the overlays save at every step). Undefined when there is no such alternative.
 */
export type LazySegments = (k: number) => SegmentedAlternative | undefined;

function lazySegments(choose: (k: number) => SegmentedAlternative | undefined): LazySegments {
  const chosen = new Map<number, SegmentedAlternative | undefined>();
  return (k) => {
    if (!chosen.has(k)) chosen.set(k, choose(k));
    return chosen.get(k);
  };
}

/**
 * Schedules and plans at the target's sizes.
 * - Without DRAM, with `segmented` (the graph with depth-first segments that lower the whole-tensor
 *   peak): the layer-by-layer schedule when it fits (no segment costs cycles it does not need),
 *   else the segmented one.
 * - With a DRAM and depth-first segments on, runs whose intermediate tensors the layer-by-layer
 *   schedule sends to DRAM become segments (line buffers in SRAM, the segment's input and output
 *   streamed by DMA when they live in DRAM); the segmented schedule is kept when it fits within the
 *   --max-slowdown cycle budget.
 */
async function fit(
  graph: Graph,
  liveness: GraphLiveness,
  options: AnalyzeOptions,
  target: TargetSpec,
  lowered?: Pick<LoweredGraph, 'aliases' | 'noCode'>,
  segmented?: LazySegments,
): Promise<Fitted> {
  const base = await fitGraph(graph, liveness, options, target, lowered);
  if (segmented && globalOf(target) === undefined) {
    if (fitsAll(base)) return base;
    const alt = segmented(0);
    if (!alt) return base;
    const first = await fitGraph(alt.graph, alt.liveness, options, target, withAliases(lowered, alt), alt.sourceSteps);
    if (fitsAll(first)) return first;
    // The plan of the choice with overlays does not fit: the choice without them may.
    const plain = segmented(1);
    const second = plain ? await fitGraph(plain.graph, plain.liveness, options, target, withAliases(lowered, plain), plain.sourceSteps) : undefined;
    return second && fitsAll(second) ? second : first;
  }
  const capacity = sramOf(target)?.sizeBytes ?? null;
  if (options.depthFirst === false || options.graphOpt === false || globalOf(target) === undefined || capacity === null || graph.nodes.some((n) => n.segment)) return base;
  const spilled = new Set(base.schedule.activations.filter((a) => a.scope === 'global').map((a) => a.name));
  if (spilled.size === 0) return base;
  const isSpilled = (t: string) => spilled.has(base.schedule.bufferOfTensor.get(t) ?? t);
  // Weights the cores cannot read: a segment's members read SRAM copies of their weights, DMA'd in
  // once per segment run (lower-segment.ts); they count in the chooser's budget.
  const memberBytes = weightsViaDma(target) !== undefined ? (members: readonly OpNode[]) => segmentWeights(graph, members).reduce((a, w) => a + w.bytes, 0) : undefined;
  const segments = chooseSegments(graph, liveness, aliasRoots(lowered), { streaming: { isSpilled, budgetBytes: Math.floor(capacity / 2), ...(memberBytes ? { memberBytes } : {}) } });
  const trySegments = async (chosen: typeof segments) => {
    const rewritten = segmentGraph(graph, chosen);
    return fitGraph(rewritten.graph, graphLiveness(rewritten.graph, options.dtype ?? 'as-is'), options, target, lowered, rewritten.sourceSteps);
  };
  // Keep a segment only where it is at most --max-slowdown slower than the layers it replaces (estimated cycles).
  const notSlower = (f: Fitted) =>
    segments.filter((c) => {
      const step = f.sourceSteps.findIndex((src) => src[0] === c.first && src.length > 1);
      if (step < 0) return false;
      const before = base.schedule.layers.slice(c.first, c.last + 1).reduce((sum, l) => sum + l.stats.cycles, 0);
      return f.schedule.layers[step]!.stats.cycles <= before * (1 + (options.maxSlowdown ?? 0.1));
    });
  let chosen = segments;
  for (let round = 0; round < 2 && chosen.length > 0; round++) {
    const seg = await trySegments(chosen);
    if (!fitsAll(seg)) return base;
    const kept = notSlower(seg).filter((c) => chosen.includes(c));
    if (kept.length === chosen.length) return seg;
    chosen = kept;
  }
  return base;
}

/** The lowered graph's aliases and no-code layers, with an alternative's own aliases when it has them. */
function withAliases(lowered: Pick<LoweredGraph, 'aliases' | 'noCode'> | undefined, alt: SegmentedAlternative): Pick<LoweredGraph, 'aliases' | 'noCode'> | undefined {
  if (!alt.aliases) return lowered;
  return { aliases: alt.aliases, noCode: lowered?.noCode ?? new Set() };
}

/** Schedules and plans at the target's sizes; retries with slack when fragmentation overflows SRAM. */
async function fitGraph(
  graph: Graph,
  liveness: GraphLiveness,
  options: AnalyzeOptions,
  target: TargetSpec,
  lowered?: Pick<LoweredGraph, 'aliases' | 'noCode'>,
  sourceSteps: readonly (readonly number[])[] = graph.nodes.map((_, i) => [i]),
): Promise<Fitted> {
  let slackBytes = 0;
  let last: Fitted | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const { model, failures } = await scheduleGraph(graph, liveness, {
      target,
      doubleBuffer: options.doubleBuffer ?? true,
      slackBytes,
      ...(lowered ? { aliases: lowered.aliases, noCode: lowered.noCode } : {}),
      ...planOptions(options, options.timeLimitMs),
    });
    const bufferSet = withStateBuffers(extractBufferSets(model, liveness, target), graph);
    const key = options.planCache ? JSON.stringify([bufferSet.buffers, bufferSet.pools, options.strategy ?? null, options.seed ?? null, options.timeLimitMs ?? null]) : '';
    const plan = options.planCache?.get(key) ?? (await planMemory(bufferSet.buffers, bufferSet.pools, planOptions(options, options.timeLimitMs, options.onProgress)).catch(rethrowPlannerError));
    options.planCache?.set(key, plan);
    const weights = target.residentWeights;
    const overflows = plan.pools.flatMap((p) => {
      // The memory holding the weights: its activation pool plus the weights against its whole size.
      if (weights && p.name === weights.memory) {
        const need = p.usedBytes + weights.bytes;
        return weights.sizeBytes !== null && need > weights.sizeBytes ? [{ pool: p.name, usedBytes: need, capacity: weights.sizeBytes }] : [];
      }
      const capacity = bufferSet.capacities.get(p.name) ?? null;
      return capacity !== null && p.usedBytes > capacity ? [{ pool: p.name, usedBytes: p.usedBytes, capacity }] : [];
    });
    last = { graph, liveness, sourceSteps, schedule: model, failures, bufferSet, plan, overflows };
    const sramOver = overflows.find((o) => o.pool === bufferSet.poolOfScope.sram);
    if (failures.length > 0 || !sramOver) return last;
    // Weights larger than the memory: no slack helps.
    if (weights && weights.memory === sramOver.pool && weights.sizeBytes !== null && weights.bytes > weights.sizeBytes) return last;
    slackBytes = Math.max(2 * slackBytes, sramOver.usedBytes - sramOver.capacity);
  }
  return last!;
}

/** Tensor -> the storage whose buffer holds it (in place, views, slices at an offset), for the depth-first choice. */
function aliasRoots(lowered?: Pick<LoweredGraph, 'aliases'>): ReadonlyMap<string, string> {
  return new Map([...(lowered?.aliases ?? [])].map(([tensor, p]) => [tensor, p.storage] as const));
}

/** Estimated cycles of a run: the sum over its layers. */
function totalCycles(f: Fitted): number {
  return f.schedule.layers.reduce((sum, l) => sum + l.stats.cycles, 0);
}

/** The target with an unbounded shared SRAM: every activation resident, nothing tiled for lack of room. */
function roomySram(target: TargetSpec): TargetSpec {
  const withSram = sramOf(target) ? target : applyOverrides(target, { sramBytes: 0 });
  return { ...withSram, memories: withSram.memories.map((m) => (m.kind === 'sram' ? { ...m, sizeBytes: null } : m)) };
}

function fitsAll(f: Fitted): boolean {
  return f.failures.length === 0 && f.overflows.length === 0;
}

/**
 * The smallest SRAM size in bytes at which the whole pipeline fits, exactly: `sramBytes(N)` fits and
 * `sramBytes(N - 1)` does not, both checked by running the pipeline (with the same options, headroom
 * included, as `--sram N` would). Sizes are probed byte by byte, not in multiples of the alignment:
 * a pool's size need not be aligned. Heuristic planning is not monotone in the size, so the search
 * keeps that pair of probes as its invariant (lo does not fit, hi fits) instead of trusting monotony;
 * a smaller size elsewhere might still fit, but none is claimed.
 */
export async function findMinSram(
  graph: Graph,
  liveness: GraphLiveness,
  options: AnalyzeOptions,
  /** A size that probably does not fit (e.g. one byte less than some layer's smallest tile); probed. */
  failsAt = 0,
  /** Buffer aliases and no-code layers of the graph optimizations (see ScheduleOptions). */
  lowered?: Pick<LoweredGraph, 'aliases' | 'noCode'>,
  /** Without DRAM: the graph with depth-first segments, tried when the layer-by-layer one does not fit. */
  segmented?: LazySegments,
): Promise<number | undefined> {
  const headroom = options.headroom ?? 0;
  const memo = new Map<number, boolean>();
  const probe = async (sramBytes: number): Promise<boolean> => {
    let fits = memo.get(sramBytes);
    if (fits === undefined) {
      const target = withResidentWeights(withHeadroom(applyOverrides(options.target, { sramBytes }), headroom), graph.weightBytes);
      fits = fitsAll(await fit(graph, liveness, { ...options, target }, target, lowered, segmented));
      memo.set(sramBytes, fits);
    }
    return fits;
  };
  const report = (phase: string, lo: number, hi: number) => options.onProgress?.({ phase, bestBytes: hi, lowerBoundBytes: lo });
  // Invariant: lo does not fit (lo = 0 stands for "no memory"), hi fits; both probed (except lo = 0).
  let lo = 0;
  let hi: number;
  if (failsAt >= 1 && (await probe(failsAt))) {
    hi = failsAt;
  } else {
    // Grow geometrically from just above the known failure: most models fit close to their largest smallest tile.
    lo = Math.max(0, failsAt);
    let step = Math.max(1, options.target.alignmentBytes);
    hi = lo + step;
    while (!(report('min-sram: looking for a size that fits', lo, hi), await probe(hi))) {
      if (hi > 2 ** 45) return undefined;
      lo = hi;
      step *= 2;
      hi = lo + step;
    }
  }
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    report('min-sram: bisecting', lo, hi);
    if (await probe(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

export async function analyzeGraph(sourceGraph: Graph, given: AnalyzeOptions): Promise<Analysis> {
  const options: AnalyzeOptions = { ...given, planCache: given.planCache ?? new Map() };
  const dtype = options.dtype ?? 'as-is';
  // The baseline (DESIGN.md's convention) is measured on the model as imported.
  const baseline = graphLiveness(sourceGraph, dtype);
  const optimized = optimizeGraph(sourceGraph, { dtype, enabled: options.graphOpt ?? true, order: options.order ?? 'search' });
  // What runs: one node per optimized layer, in the chosen order, with in-place and view aliases.
  const lowered = lowerGraph(optimized);
  const target = options.target;
  const loweredLiveness = lowered.graph === sourceGraph ? baseline : graphLiveness(lowered.graph, dtype);
  // Depth-first segments without DRAM: runs of layers executed band by band become one node each,
  // used when the layer-by-layer schedule does not fit (fit()).
  let chooseMs = 0;
  const segmented = lazySegments((k) => {
    // The choice without overlays only as a fallback for a choice that has some.
    if (k === 1 && !segmented(0)?.graph.nodes.some((n) => n.segment?.overlayLagBytes !== undefined)) return undefined;
    const depthFirst = applyDepthFirst(lowered.graph, loweredLiveness, aliasRoots(lowered), {
      // --no-graph-opt is the one-layer-per-node baseline: no segments either.
      // Segments read their members' weights in place: none when the weights need DMA into SRAM tiles.
      enabled: (options.depthFirst ?? true) && (options.graphOpt ?? true) && weightsViaDma(target) === undefined,
      noDram: globalOf(target) === undefined,
      patches: options.depthFirstPatches ?? true,
      tiles: options.depthFirstTiles ?? options.depthFirstPatches ?? true,
      // The SRAM pool's alignment: an output written over its input sits a multiple of it before.
      ...(k === 0 ? { overlayAlignmentBytes: target.alignmentBytes, aliasOffsets: new Map([...lowered.aliases].map(([tensor, p]) => [tensor, p.offsetBytes] as const)) } : {}),
      // Squeeze-excitation blocks recomputed in two passes where that lowers the peak.
      ...((options.depthFirstRecompute ?? true) ? { placements: lowered.aliases } : {}),
      dtype,
    });
    chooseMs += depthFirst.chooseMs;
    return depthFirst.segments.length > 0
      ? { graph: depthFirst.graph, liveness: depthFirst.liveness, sourceSteps: depthFirst.sourceSteps, ...(depthFirst.placements ? { aliases: depthFirst.placements } : {}) }
      : undefined;
  });
  // With --headroom, memplan plans into the allowed part of every bounded memory (src/headroom.ts)
  // and fails only when even that does not fit.
  const headroom = options.headroom ?? 0;
  // Weights held in the shared SRAM or the DRAM (the target's weightsMemory) sit there for the whole
  // run: the activations are planned into the rest of it (withResidentWeights).
  const weightBytes = lowered.graph.weightBytes;
  const planTarget = withResidentWeights(withHeadroom(target, headroom), weightBytes);
  const fitted = await fit(lowered.graph, loweredLiveness, { ...options, target: planTarget }, planTarget, lowered, segmented);
  // The graph that runs (with the segments chosen for this target), and the lowered graph's steps of each of its steps.
  const graph = fitted.graph;
  const liveness = fitted.liveness;
  const sourceStepsOf = (step: number): readonly number[] => fitted.sourceSteps[step] ?? [step];
  const { schedule, bufferSet, plan } = fitted;
  const fits = fitsAll(fitted);
  // Without the headroom, for the record of what it cost.
  const fullTarget = withResidentWeights(target, weightBytes);
  const full = headroom > 0 ? await fit(lowered.graph, loweredLiveness, { ...options, target: fullTarget }, fullTarget, lowered, segmented) : undefined;
  // A layer that needs N bytes of SRAM even with its smallest tile: below N (plus the weights there) nothing fits.
  const weightsInSram = planTarget.residentWeights?.memory === sramOf(planTarget)?.name ? weightBytes : 0;
  const failsBelow = fitted.failures.reduce((m, f) => (f.scope === 'sram' ? Math.max(m, f.neededBytes - 1 + weightsInSram) : m), 0);
  const minSramBytes = options.findMinSram || !fits ? await findMinSram(lowered.graph, loweredLiveness, options, failsBelow, lowered, segmented) : undefined;
  // The cost of the smallest SRAM: estimated cycles there, and with room for every activation.
  let minSramCycles: number | undefined;
  let roomySramCycles: number | undefined;
  if (minSramBytes !== undefined) {
    const at = withResidentWeights(withHeadroom(applyOverrides(target, { sramBytes: minSramBytes }), headroom), weightBytes);
    minSramCycles = totalCycles(await fit(lowered.graph, loweredLiveness, { ...options, target: at }, at, lowered, segmented));
    const roomy = withResidentWeights(roomySram(target), weightBytes);
    roomySramCycles = totalCycles(await fit(lowered.graph, loweredLiveness, { ...options, target: roomy }, roomy, lowered, segmented));
  }
  const report = buildAnalysisReport({
    modelName: options.modelName,
    target,
    dtype,
    doubleBuffer: options.doubleBuffer ?? true,
    graphOpt: options.graphOpt ?? true,
    headroom,
    sourceGraph,
    baseline,
    optimized,
    graph,
    liveness,
    loweredGraph: lowered.graph,
    sourceStepsOf,
    run: fitted,
    headroomRecord: headroomRecord(target, headroom, fitted, full),
    ...(planTarget.residentWeights ? { residentWeights: planTarget.residentWeights } : {}),
    ...(minSramBytes !== undefined ? { minSramBytes } : {}),
    ...(minSramCycles !== undefined ? { minSramCycles } : {}),
    ...(roomySramCycles !== undefined ? { roomySramCycles } : {}),
  });
  return { sourceGraph, graph, liveness, optimized, schedule, bufferSet, plan, report, depthFirst: { segments: graph.nodes.filter((n) => n.segment).length, chooseMs } };
}

/** What codegen takes from an analysis (generateC(toCodegenInput(analysis))). */
export function toCodegenInput(analysis: Analysis): CodegenInput {
  const { graph, schedule, bufferSet, plan } = analysis;
  return { modelName: analysis.report.model, graph, schedule, bufferSet, plan };
}
