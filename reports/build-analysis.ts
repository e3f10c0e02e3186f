/**
 * Builds the analysis report (reports/analysis-model.ts, the JSON of `memplan MODEL --format json`)
 * from what the pipeline's stages produced: the pools with their worst step, the layers with their
 * schedules and whether they fit, the planned buffers, the gate's failures with their sentences, and
 * the run's figures. Pure: data in, data out; src/pipeline.ts runs the stages and calls it.
 */
import type { Graph } from '../src/ir/graph.js';
import { formatShape } from '../src/ir/graph.js';
import type { ScheduledModel } from '../src/ir/loop.js';
import type { DtypeMode, GraphLiveness } from '../src/liveness/graph-liveness.js';
import { liveAt } from '../src/liveness/graph-liveness.js';
import type { ScopedBufferSet } from '../src/liveness/extract.js';
import { stepOfSlot } from '../src/liveness/extract.js';
import { stateBytesOf } from '../src/liveness/state-buffers.js';
import type { OptimizedGraph } from '../src/graph-opt/layer-graph.js';
import { OPTIMIZATION_KINDS } from '../src/graph-opt/layer-graph.js';
import type { ResidentWeights, TargetSpec } from '../src/schedule/target.js';
import { allowedBytes } from '../src/headroom.js';
import { globalOf, sramOf, weightsViaDma } from '../src/schedule/target.js';
import type { LayerFailure } from '../src/schedule/schedule-graph.js';
import { Codes } from '../src/diagnostics/codes.js';
import type { PlanResult } from '../planner/types.js';
import { liveSumWithOverlays } from '../src/liveness/overlay-live.js';
import type { AnalysisReport, ReportBuffer, ReportHeadroom, ReportLayer, ReportPool } from './analysis-model.js';
import type { PoolOverflow } from './gate-failures.js';
import { gateFailures, overfullSteps } from './gate-failures.js';

/** One schedule-and-plan run of the pipeline at some memory sizes. */
export interface PlannedRun {
  readonly schedule: ScheduledModel;
  /** Layers that do not fit even with their smallest tile. */
  readonly failures: readonly LayerFailure[];
  readonly bufferSet: ScopedBufferSet;
  readonly plan: PlanResult;
  /** Pools whose plan exceeds their capacity. */
  readonly overflows: readonly PoolOverflow[];
}

/** What the report is built from. */
export interface AnalysisReportInput {
  /** Model file name as shown in reports (base name). */
  readonly modelName: string;
  /** The target at its full sizes (without the headroom). */
  readonly target: TargetSpec;
  readonly dtype: DtypeMode;
  readonly doubleBuffer: boolean;
  readonly graphOpt: boolean;
  /** Fraction (0..1) of every bounded memory kept free (0 = none). */
  readonly headroom: number;
  /** The model as imported, and its graph-level liveness (the baseline). */
  readonly sourceGraph: Graph;
  readonly baseline: GraphLiveness;
  readonly optimized: OptimizedGraph;
  /** The scheduled graph (one node per optimized layer) and its liveness. */
  readonly graph: Graph;
  readonly liveness: GraphLiveness;
  /** The graph the optimizations lowered, before depth-first segments (its steps index `optimized.layers`). */
  readonly loweredGraph?: Graph;
  /** The steps of `loweredGraph` that a step of `graph` runs (several for a depth-first segment; default: itself). */
  readonly sourceStepsOf?: (step: number) => readonly number[];
  /** The run the report describes (planned with the headroom kept free). */
  readonly run: PlannedRun;
  readonly headroomRecord: ReportHeadroom;
  /** Weights resident in the shared SRAM or the DRAM for the whole run (the target's weightsMemory). */
  readonly residentWeights?: ResidentWeights;
  readonly minSramBytes?: number;
  readonly minSramCycles?: number;
  readonly roomySramCycles?: number;
}

export function buildAnalysisReport(input: AnalysisReportInput): AnalysisReport {
  const { target, headroom, dtype, sourceGraph, baseline, optimized, graph, liveness, run, minSramBytes } = input;
  const { schedule, bufferSet, plan } = run;
  const sourceStepsOf = input.sourceStepsOf ?? ((step: number) => [step]);
  const loweredGraph = input.loweredGraph ?? graph;
  const sramName = bufferSet.poolOfScope.sram;
  const sramSize = sramOf(target)?.sizeBytes ?? null;
  const dramSize = globalOf(target)?.sizeBytes ?? null;
  const fullSize = (pool: string): number | null =>
    pool === sramName ? sramSize : pool === bufferSet.poolOfScope.global ? dramSize : (target.memories.find((m) => m.name === pool)?.sizeBytes ?? null);
  const weights = input.residentWeights;
  const headroomNote = (pool: string) =>
    headroom > 0 && bufferSet.capacities.get(pool) !== null
      ? ` (--headroom ${+(headroom * 100).toFixed(2)}% keeps ${fullSize(pool) ?? 0} - ${allowedBytes(fullSize(pool) ?? 0, headroom)} bytes free)`
      : '';
  const weightsNote = (pool: string) => (weights && weights.memory === pool ? ` (weights: ${weights.bytes} bytes resident in '${pool}' for the whole run)` : '');
  const note = (pool: string) => `${headroomNote(pool)}${weightsNote(pool)}`;
  const failCode = headroom > 0 ? Codes.Headroom : Codes.DoesNotFit;

  const stepOf = (slot: number): number => stepOfSlot(bufferSet.layerStart, slot);
  const reportPools: ReportPool[] = plan.pools.map((p) => {
    const inPool = bufferSet.buffers.filter((b) => b.poolCandidates?.[0] === p.name);
    // Buffers written over each other (BufferInfo.overlay) count the union of their bytes.
    const bound = liveSumWithOverlays(inPool);
    const w = { slot: Math.max(0, bound.step), bytes: bound.bytes };
    const step = stepOf(w.slot);
    return {
      name: p.name,
      sizeBytes: fullSize(p.name),
      usedBytes: p.usedBytes,
      lowerBoundBytes: p.lowerBoundBytes,
      ...(weights && weights.memory === p.name ? { weightBytes: weights.bytes } : {}),
      worst: {
        step,
        layer: schedule.layers[step]?.name ?? '',
        liveBytes: w.bytes,
        buffers: inPool
          .filter((b) => (b.start ?? 0) <= w.slot && w.slot <= (b.end ?? 0))
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
    // A reduction split (accumulated input channels / K) shows as k<dim of the first input>.
    const tiles = l.tile.splits.map((s) => `${s.reduction ? 'k' : 'd'}${s.dim}:${s.size}/${s.extent}`).join(' ');
    return {
      step: l.step,
      startSlot: bufferSet.layerStart[l.step] ?? 0,
      name: l.name,
      nodes: sourceStepsOf(l.step).flatMap((s) => optimized.layers[s]?.nodes ?? [loweredGraph.nodes[s]?.name ?? node.name]),
      op: l.op,
      outputShape: shapes.join(', '),
      outputBytes,
      liveBytes: Math.max(0, ...sourceStepsOf(l.step).map((s) => optimized.liveBytesByLayer[s] ?? 0)),
      sramBytes: l.stats.sramBytes,
      scratchBytes: l.stats.scratchBytes,
      residentBytes: l.stats.residentBytes,
      localBytes: l.stats.localBytes,
      doubleBufferBytes: l.stats.doubleBufferBytes,
      ...(l.stats.accumulatorBytes ? { accumulatorBytes: l.stats.accumulatorBytes } : {}),
      ...(weightsViaDma(target) !== undefined ? { weightTileBytes: l.stats.weightTileBytes ?? 0 } : {}),
      dmaInBytes: l.stats.dmaInBytes,
      dmaOutBytes: l.stats.dmaOutBytes,
      cycles: l.stats.cycles,
      cyclesSingleBuffered: l.stats.cyclesSingleBuffered,
      schedule: `${l.template}${l.segment ? `[${l.segment.members.length}]` : ''}${tiles ? ` ${tiles}` : ''}${l.tile.tileCount > 1 ? ` x${l.tile.tileCount}` : ''}${l.tile.doubleBuffered ? ' db' : ''}`,
      cores: l.tile.cores,
      fits: l.stats.fits,
      ...(l.segment ? { segment: { ...l.segment, members: [...l.segment.members], ...(l.segment.overlay ? { overlay: { ...l.segment.overlay } } : {}) } } : {}),
    };
  });

  const failures = gateFailures(run, reportPools, {
    code: failCode,
    poolOfScope: bufferSet.poolOfScope,
    note,
  });
  // A layer fits when no failure names its step and no bounded pool has more bytes live there than it holds.
  const overfull = overfullSteps(bufferSet, stepOf);
  const reportLayers: ReportLayer[] = layers.map((l) => ({ ...l, fits: l.fits && !overfull.has(l.step) && !failures.some((f) => f.step === l.step) }));

  const allocByName = new Map(plan.allocations.map((a) => [a.name, a]));
  const reportBuffers: ReportBuffer[] = bufferSet.buffers.map((b) => {
    const a = allocByName.get(b.name);
    return {
      name: b.name,
      kind: b.kind ?? 'activation',
      sizeBytes: b.sizeBytes,
      startStep: stepOf(b.start ?? 0),
      endStep: stepOf(b.end ?? 0),
      startSlot: b.start ?? 0,
      endSlot: b.end ?? 0,
      ...(a ? { pool: a.pool, offset: a.offsetBytes } : {}),
      ...(b.overlay ? { overlay: { buffer: b.overlay.buffer, offsetBytes: b.overlay.offsetBytes } } : {}),
    };
  });

  return {
    schemaVersion: 1,
    model: input.modelName,
    target: {
      name: target.name,
      cores: target.cores,
      sramBytes: sramSize,
      // 0 = no DRAM (--dram 0, or a target without a global memory); null = unbounded.
      dramBytes: globalOf(target) ? (globalOf(target)!.sizeBytes ?? null) : 0,
      sramName,
      dramName: globalOf(target)?.name ?? null,
      ...(weightsViaDma(target) !== undefined ? { weightsDmaFrom: weightsViaDma(target)!.name } : {}),
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
      enabled: input.graphOpt,
      order: optimized.order.method,
      layerCount: optimized.layers.length,
      savedBytes: OPTIMIZATION_KINDS.map((kind) => ({ kind, bytes: optimized.savedBytes[kind] })),
    },
    weightBytes: sourceGraph.weightBytes,
    stateBytes: stateBytesOf(sourceGraph),
    ...(minSramBytes !== undefined ? { minSramBytes } : {}),
    ...(input.minSramCycles !== undefined ? { minSramCycles: input.minSramCycles } : {}),
    ...(input.roomySramCycles !== undefined ? { roomySramCycles: input.roomySramCycles } : {}),
    doubleBuffer: input.doubleBuffer,
    headroom: input.headroomRecord,
    pools: reportPools,
    layers: reportLayers,
    liveAtPeak: liveAt(baseline, baseline.peakStep).map((iv) => ({
      name: iv.tensor,
      sizeBytes: iv.sizeBytes,
      startStep: iv.startStep,
      endStep: iv.endStep,
    })),
    buffers: reportBuffers,
    failures,
  };
}
