/**
 * Composes the stages (cf. TVM's PlanMemory): import -> graph liveness -> schedule (tiles, DMA,
 * cores) -> liveness per storage scope -> plan -> verify -> report data.
 * Pure: no file system, no printing. Returns every intermediate so tests and tools can look inside.
 */
import type { Graph } from './ir/graph.js';
import { formatShape } from './ir/graph.js';
import type { ScheduledModel } from './ir/loop.js';
import { importOnnx } from './frontend/import-onnx.js';
import type { DtypeMode, GraphLiveness } from './liveness/graph-liveness.js';
import { graphLiveness, liveAt } from './liveness/graph-liveness.js';
import type { ScopedBufferSet } from './liveness/extract.js';
import { extractBufferSets, stepOfSlot } from './liveness/extract.js';
import type { TargetSpec } from './schedule/target.js';
import { applyOverrides, globalOf, sramOf } from './schedule/target.js';
import type { LayerFailure } from './schedule/schedule-graph.js';
import { planOptions, scheduleGraph } from './schedule/schedule-graph.js';
import type { PlanResult, StrategyName } from '../planner/types.js';
import { liveSumBound, planMemory } from '../planner/index.js';
import type { AnalysisReport, ReportBuffer, ReportFailure, ReportLayer, ReportPool } from '../reports/analysis-model.js';
import { Codes } from './diagnostics/codes.js';
import type { OptimizedGraph } from './graph-opt/layer-graph.js';
import { OPTIMIZATION_KINDS } from './graph-opt/layer-graph.js';
import { optimizeGraph } from './graph-opt/optimize-graph.js';
import { lowerGraph } from './graph-opt/lower-graph.js';

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
  /** Also find the smallest SRAM size at which everything fits (bisection over the whole pipeline). */
  readonly findMinSram?: boolean;
  /** Fail the gate when a bounded memory is used beyond (1 - headroom) of its size (0..1; default 0). */
  readonly headroom?: number;
  /** Graph optimizations (fusion, in place, aliases, copy-free Concat, order); default true. */
  readonly graphOpt?: boolean;
  /** `search` (default): memory-aware layer order; `file`: the model's order. */
  readonly order?: 'search' | 'file';
  readonly onProgress?: (info: { readonly phase: string; readonly bestBytes: number; readonly lowerBoundBytes: number }) => void;
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
}

/** Imports an ONNX model and analyzes it. Throws MemplanError subclasses on bad input. */
export async function analyzeModel(bytes: Uint8Array, options: AnalyzeOptions): Promise<Analysis> {
  const graph = importOnnx(bytes, {
    fileName: options.modelName,
    ...(options.inputShapes ? { inputShapes: options.inputShapes } : {}),
  });
  return analyzeGraph(graph, options);
}

interface Fitted {
  readonly schedule: ScheduledModel;
  readonly failures: readonly LayerFailure[];
  readonly bufferSet: ScopedBufferSet;
  readonly plan: PlanResult;
  /** Pools whose plan exceeds their capacity. */
  readonly overflows: readonly { readonly pool: string; readonly usedBytes: number; readonly capacity: number }[];
}

/** Schedules and plans at the target's sizes; retries with slack when fragmentation overflows SRAM. */
async function fit(
  graph: Graph,
  liveness: GraphLiveness,
  options: AnalyzeOptions,
  target: TargetSpec,
  timeLimitMs?: number,
  aliases?: ReadonlyMap<string, string>,
): Promise<Fitted> {
  let slackBytes = 0;
  let last: Fitted | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const { model, failures } = await scheduleGraph(graph, liveness, {
      target,
      doubleBuffer: options.doubleBuffer ?? true,
      slackBytes,
      ...(aliases ? { aliases } : {}),
      ...planOptions(options, timeLimitMs),
    });
    const bufferSet = extractBufferSets(model, liveness, target);
    const plan = await planMemory(bufferSet.buffers, bufferSet.pools, planOptions(options, timeLimitMs, options.onProgress));
    const overflows = plan.pools.flatMap((p) => {
      const capacity = bufferSet.capacities.get(p.name) ?? null;
      return capacity !== null && p.usedBytes > capacity ? [{ pool: p.name, usedBytes: p.usedBytes, capacity }] : [];
    });
    last = { schedule: model, failures, bufferSet, plan, overflows };
    const sramOver = overflows.find((o) => o.pool === bufferSet.poolOfScope.sram);
    if (failures.length > 0 || !sramOver) return last;
    slackBytes = Math.max(2 * slackBytes, sramOver.usedBytes - sramOver.capacity);
  }
  return last!;
}

function fitsAll(f: Fitted): boolean {
  return f.failures.length === 0 && f.overflows.length === 0;
}

/**
 * The smallest SRAM size (a multiple of the target's alignment) at which the whole pipeline fits,
 * by bisection. Heuristic planning is not strictly monotone in the size; the result is a size that
 * fits with the next smaller probe failing.
 */
export async function findMinSram(
  graph: Graph,
  liveness: GraphLiveness,
  options: AnalyzeOptions,
  /** A size known not to fit (e.g. one byte less than some layer's smallest tile). */
  failsAt = 0,
  /** Buffer aliases of the graph optimizations (see ScheduleOptions.aliases). */
  aliases?: ReadonlyMap<string, string>,
): Promise<number | undefined> {
  const align = options.target.alignmentBytes;
  const probe = async (bytes: number) => fitsAll(await fit(graph, liveness, options, applyOverrides(options.target, { sramBytes: bytes }), 200, aliases));
  // Start just above the known failure and grow geometrically: most models fit close to their largest
  // smallest-tile, so this needs few probes.
  let lo = Math.floor(failsAt / align) * align;
  let hi = lo + align;
  let step = align;
  const report = (phase: string) => options.onProgress?.({ phase, bestBytes: hi, lowerBoundBytes: lo });
  while (!(report('min-sram: looking for a size that fits'), await probe(hi))) {
    if (hi > 2 ** 45) return undefined;
    lo = hi;
    step *= 2;
    hi = Math.ceil((hi + step) / align) * align;
  }
  while (hi - lo > align) {
    const mid = Math.floor((lo + hi) / 2 / align) * align;
    if (mid <= lo) break;
    report('min-sram: bisecting');
    if (await probe(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

export async function analyzeGraph(sourceGraph: Graph, options: AnalyzeOptions): Promise<Analysis> {
  const dtype = options.dtype ?? 'as-is';
  // The baseline (DESIGN.md's convention) is measured on the model as imported.
  const baseline = graphLiveness(sourceGraph, dtype);
  const optimized = optimizeGraph(sourceGraph, { dtype, enabled: options.graphOpt ?? true, order: options.order ?? 'search' });
  // What runs: one node per optimized layer, in the chosen order, with in-place and view aliases.
  const lowered = lowerGraph(optimized);
  const graph = lowered.graph;
  const liveness = graph === sourceGraph ? baseline : graphLiveness(graph, dtype);
  const aliases = lowered.aliases;
  const target = options.target;
  // With --headroom, memplan plans into the allowed part of each bounded memory and fails only
  // when even that does not fit.
  const headroom = options.headroom ?? 0;
  const sramSize = sramOf(target)?.sizeBytes ?? null;
  const dramSize = globalOf(target)?.sizeBytes ?? null;
  const allowed = (size: number | null) => (size === null || headroom <= 0 ? undefined : Math.max(1, Math.floor(size * (1 - headroom))));
  const sramAllowed = allowed(sramSize);
  const dramAllowed = allowed(dramSize);
  const planTarget = applyOverrides(target, {
    ...(sramAllowed !== undefined ? { sramBytes: sramAllowed } : {}),
    ...(dramAllowed !== undefined ? { dramBytes: dramAllowed } : {}),
  });
  const fitted = await fit(graph, liveness, { ...options, target: planTarget }, planTarget, options.timeLimitMs, aliases);
  const { schedule, bufferSet, plan } = fitted;
  const sramName = bufferSet.poolOfScope.sram;
  const fits = fitsAll(fitted);
  const failsBelow = fitted.failures.reduce((m, f) => Math.max(m, f.neededBytes - 1), 0);
  const minSramBytes = options.findMinSram || !fits ? await findMinSram(graph, liveness, { ...options, target: planTarget }, failsBelow, aliases) : undefined;
  const headroomNote = (pool: string) =>
    headroom > 0 && bufferSet.capacities.get(pool) !== null
      ? ` (--headroom ${+(headroom * 100).toFixed(2)}% keeps ${(pool === sramName ? sramSize : dramSize) ?? 0} - ${bufferSet.capacities.get(pool)} bytes free)`
      : '';
  const failCode = headroom > 0 ? Codes.Headroom : Codes.DoesNotFit;

  const stepOf = (slot: number): number => stepOfSlot(bufferSet.layerStart, slot);
  const reportPools: ReportPool[] = plan.pools.map((p) => {
    const inPool = bufferSet.buffers.filter((b) => b.poolCandidates?.[0] === p.name);
    const bound = liveSumBound(inPool);
    const w = { slot: Math.max(0, bound.step), bytes: bound.bytes };
    const step = stepOf(w.slot);
    return {
      name: p.name,
      sizeBytes: p.name === sramName ? sramSize : p.name === bufferSet.poolOfScope.global ? dramSize : (bufferSet.capacities.get(p.name) ?? null),
      usedBytes: p.usedBytes,
      lowerBoundBytes: p.lowerBoundBytes,
      worst: {
        step,
        layer: schedule.layers[step]?.name ?? '',
        liveBytes: w.bytes,
        buffers: inPool
          .filter((b) => (b.startStep ?? 0) <= w.slot && w.slot <= (b.endStep ?? 0))
          .sort((a, b) => b.sizeBytes - a.sizeBytes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
          .map((b) => ({ name: b.name, kind: b.kind ?? 'activation', sizeBytes: b.sizeBytes })),
      },
    };
  });

  const intervalByName = new Map(liveness.intervals.map((iv) => [iv.tensor, iv]));
  const layers: ReportLayer[] = schedule.layers.map((l) => {
    const node = graph.nodes[l.step]!;
    let outputBytes = 0;
    const shapes: string[] = [];
    for (const out of node.outputs) {
      const t = out === '' ? undefined : graph.tensors.get(out);
      if (!t) continue;
      shapes.push(formatShape(t.shape));
      outputBytes += intervalByName.get(out)?.sizeBytes ?? t.sizeBytes;
    }
    const tiles = l.tile.splits.map((s) => `d${s.dim}:${s.size}/${s.extent}`).join(' ');
    return {
      step: l.step,
      startSlot: bufferSet.layerStart[l.step] ?? 0,
      name: l.name,
      op: l.op,
      nodes: optimized.layers[l.step]?.nodes ?? [node.name],
      outputShape: shapes.join(', '),
      outputBytes,
      liveBytes: optimized.liveBytesByLayer[l.step] ?? 0,
      sramBytes: l.stats.sramBytes,
      scratchBytes: l.stats.scratchBytes,
      residentBytes: l.stats.residentBytes,
      localBytes: l.stats.localBytes,
      doubleBufferBytes: l.stats.doubleBufferBytes,
      dmaInBytes: l.stats.dmaInBytes,
      dmaOutBytes: l.stats.dmaOutBytes,
      cycles: l.stats.cycles,
      cyclesSingleBuffered: l.stats.cyclesSingleBuffered,
      schedule: `${l.template}${tiles ? ` ${tiles}` : ''}${l.tile.tileCount > 1 ? ` x${l.tile.tileCount}` : ''}${l.tile.doubleBuffered ? ' db' : ''}`,
      cores: l.tile.cores,
      fits: l.stats.fits && !fitted.failures.some((f) => f.step === l.step),
    };
  });

  const minWithHeadroom = minSramBytes !== undefined && headroom > 0 ? Math.ceil(minSramBytes / (1 - headroom)) : minSramBytes;
  const hint = minWithHeadroom !== undefined ? `; the smallest SRAM that works is ${minWithHeadroom} bytes${headroom > 0 ? ' with that headroom' : ''}` : '';
  const failures: ReportFailure[] = [];
  for (const f of fitted.failures) {
    failures.push({
      code: failCode,
      memory: sramName,
      step: f.step,
      layer: f.layer,
      neededBytes: f.neededBytes,
      availableBytes: f.availableBytes,
      message: `does not fit: layer '${f.layer}' (step ${f.step}) needs ${f.neededBytes} bytes of '${sramName}' even with its smallest tile, but ${f.availableBytes} bytes are available${headroomNote(sramName)}${hint}`,
    });
  }
  if (fitted.failures.length === 0) {
    for (const o of fitted.overflows) {
      const worst = worstLayer(layers, o.pool === sramName);
      failures.push({
        code: failCode,
        memory: o.pool,
        step: worst.step,
        layer: worst.name,
        neededBytes: o.usedBytes,
        availableBytes: o.capacity,
        message: `does not fit: memory '${o.pool}' needs ${o.usedBytes} bytes but has ${o.capacity} (worst step ${worst.step}, layer '${worst.name}')${headroomNote(o.pool)}${o.pool === sramName ? hint : ''}`,
      });
    }
  }

  const allocByName = new Map(plan.allocations.map((a) => [a.name, a]));
  const reportBuffers: ReportBuffer[] = bufferSet.buffers.map((b) => {
    const a = allocByName.get(b.name);
    return {
      name: b.name,
      kind: b.kind ?? 'activation',
      sizeBytes: b.sizeBytes,
      startStep: stepOf(b.startStep ?? 0),
      endStep: stepOf(b.endStep ?? 0),
      startSlot: b.startStep ?? 0,
      endSlot: b.endStep ?? 0,
      ...(a ? { pool: a.pool, offset: a.offsetBytes } : {}),
    };
  });

  const report: AnalysisReport = {
    schemaVersion: 1,
    model: options.modelName,
    target: {
      name: target.name,
      cores: target.cores,
      sramBytes: sramSize,
      // 0 = no DRAM (--dram 0, or a target without a global memory); null = unbounded.
      dramBytes: globalOf(target) ? (globalOf(target)!.sizeBytes ?? null) : 0,
    },
    dtype,
    strategy: plan.strategy,
    optimal: plan.optimal,
    fits: failures.length === 0,
    peakLiveBytes: baseline.peakLiveBytes,
    peakStep: baseline.peakStep,
    peakNode: sourceGraph.nodes[baseline.peakStep]?.name ?? '',
    optimizedPeakBytes: optimized.peakBytes,
    graphOptimizations: {
      enabled: options.graphOpt ?? true,
      order: optimized.order.method,
      layerCount: optimized.layers.length,
      savedBytes: OPTIMIZATION_KINDS.map((kind) => ({ kind, bytes: optimized.savedBytes[kind] })),
    },
    weightBytes: sourceGraph.weightBytes,
    ...(minWithHeadroom !== undefined ? { minSramBytes: minWithHeadroom } : {}),
    doubleBuffer: options.doubleBuffer ?? true,
    pools: reportPools,
    layers,
    liveAtPeak: liveAt(baseline, baseline.peakStep).map((iv) => ({
      name: iv.tensor,
      sizeBytes: iv.sizeBytes,
      startStep: iv.startStep,
      endStep: iv.endStep,
    })),
    buffers: reportBuffers,
    failures,
  };
  return { sourceGraph, graph, liveness, optimized, schedule, bufferSet, plan, report };
}

/** The layer with the most SRAM (or the most DRAM traffic for other pools) to blame for an overflow. */
function worstLayer(layers: readonly ReportLayer[], sram: boolean): ReportLayer {
  let best = layers[0] ?? ({ step: 0, name: '-' } as ReportLayer);
  for (const l of layers) {
    const v = sram ? l.sramBytes : l.residentBytes;
    if (v > (sram ? best.sramBytes : best.residentBytes)) best = l;
  }
  return best;
}
