/**
 * Composes the stages (cf. TVM's PlanMemory): import -> liveness -> plan -> verify -> report data.
 * Pure: no file system, no printing. Returns every intermediate so tests and tools can look inside.
 */
import type { Graph } from './ir/graph.js';
import { formatShape } from './ir/graph.js';
import { importOnnx } from './frontend/import-onnx.js';
import type { DtypeMode, GraphLiveness } from './liveness/graph-liveness.js';
import { graphLiveness, liveAt } from './liveness/graph-liveness.js';
import type { TargetSpec } from './schedule/target.js';
import { sramOf, globalOf } from './schedule/target.js';
import type { BufferInfo, PlanResult, Pool, StrategyName } from '../planner/types.js';
import { planMemory } from '../planner/index.js';
import type { AnalysisReport, ReportBuffer, ReportFailure, ReportLayer, ReportPool } from '../reports/analysis-model.js';
import { Codes } from './diagnostics/codes.js';

export interface AnalyzeOptions {
  /** Model file name as shown in reports (base name). */
  readonly modelName: string;
  readonly target: TargetSpec;
  readonly inputShapes?: ReadonlyMap<string, readonly number[]>;
  readonly dtype?: DtypeMode;
  readonly strategy?: StrategyName;
  readonly timeLimitMs?: number;
  readonly seed?: number;
  readonly onProgress?: (info: { readonly phase: string; readonly bestBytes: number; readonly lowerBoundBytes: number }) => void;
}

export interface Analysis {
  readonly graph: Graph;
  readonly liveness: GraphLiveness;
  readonly buffers: readonly BufferInfo[];
  readonly pools: readonly Pool[];
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

/**
 * Graph-level analysis: every activation is a buffer live over its interval; all of them are planned
 * into one SRAM pool, minimising its high-water mark; the gate compares that with the SRAM capacity.
 */
export async function analyzeGraph(graph: Graph, options: AnalyzeOptions): Promise<Analysis> {
  const dtype = options.dtype ?? 'as-is';
  const liveness = graphLiveness(graph, dtype);
  const target = options.target;
  const sram = sramOf(target);
  const sramName = sram?.name ?? 'sram';
  const sramCapacity = sram ? sram.sizeBytes : null;
  const alignmentBytes = target.alignmentBytes;

  const buffers: BufferInfo[] = liveness.intervals.map((iv) => ({
    name: iv.tensor,
    sizeBytes: iv.sizeBytes,
    startStep: iv.startStep,
    endStep: iv.endStep,
    poolCandidates: [sramName],
    kind: iv.kind,
  }));
  // Planned unbounded so the plan says how much SRAM the activations need; the gate compares after.
  const pools: Pool[] = [{ name: sramName, sizeBytes: null, alignmentBytes }];
  const plan = await planMemory(buffers, pools, {
    ...(options.strategy !== undefined ? { strategy: options.strategy } : {}),
    ...(options.timeLimitMs !== undefined ? { timeLimitMs: options.timeLimitMs } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });

  const usage = plan.pools.find((p) => p.name === sramName);
  const usedBytes = usage?.usedBytes ?? 0;
  const reportPools: ReportPool[] = [
    { name: sramName, sizeBytes: sramCapacity, usedBytes, lowerBoundBytes: usage?.lowerBoundBytes ?? 0 },
  ];

  const intervalByName = new Map(liveness.intervals.map((iv) => [iv.tensor, iv]));
  const layers: ReportLayer[] = graph.nodes.map((node) => {
    let outputBytes = 0;
    const shapes: string[] = [];
    for (const out of node.outputs) {
      const t = out === '' ? undefined : graph.tensors.get(out);
      if (!t) continue;
      shapes.push(formatShape(t.shape));
      outputBytes += intervalByName.get(out)?.sizeBytes ?? t.sizeBytes;
    }
    const liveBytes = liveness.liveBytesByStep[node.step] ?? 0;
    return {
      step: node.step,
      name: node.name,
      op: node.opType,
      outputShape: shapes.join(', '),
      outputBytes,
      liveBytes,
      sramBytes: liveBytes,
      scratchBytes: 0,
      fits: sramCapacity === null || liveBytes <= sramCapacity,
    };
  });

  const failures: ReportFailure[] = [];
  if (sramCapacity !== null && usedBytes > sramCapacity) {
    const step = worstStep(liveness, layers, sramCapacity);
    const layer = graph.nodes[step]?.name ?? '';
    const liveHere = liveness.liveBytesByStep[step] ?? 0;
    const why =
      liveHere > sramCapacity
        ? `activations live at step ${step} (layer '${layer}') need ${liveHere} bytes`
        : `the plan of the activations needs ${usedBytes} bytes (fragmentation; worst step ${step}, layer '${layer}')`;
    failures.push({
      code: Codes.DoesNotFit,
      memory: sramName,
      step,
      layer,
      neededBytes: liveHere > sramCapacity ? liveHere : usedBytes,
      availableBytes: sramCapacity,
      message: `does not fit: ${why} but memory '${sramName}' has ${sramCapacity} bytes`,
    });
  }

  const allocByName = new Map(plan.allocations.map((a) => [a.name, a]));
  const reportBuffers: ReportBuffer[] = liveness.intervals.map((iv) => {
    const a = allocByName.get(iv.tensor);
    return {
      name: iv.tensor,
      kind: iv.kind,
      sizeBytes: iv.sizeBytes,
      startStep: iv.startStep,
      endStep: iv.endStep,
      ...(a ? { pool: a.pool, offset: a.offsetBytes } : {}),
    };
  });

  const report: AnalysisReport = {
    schemaVersion: 1,
    model: options.modelName,
    target: {
      name: target.name,
      cores: target.cores,
      sramBytes: sramCapacity,
      dramBytes: globalOf(target)?.sizeBytes ?? null,
    },
    dtype,
    strategy: plan.strategy,
    optimal: plan.optimal,
    fits: failures.length === 0 && plan.fits,
    peakLiveBytes: liveness.peakLiveBytes,
    peakStep: liveness.peakStep,
    weightBytes: graph.weightBytes,
    pools: reportPools,
    layers,
    liveAtPeak: liveAt(liveness, liveness.peakStep).map((iv) => ({
      name: iv.tensor,
      sizeBytes: iv.sizeBytes,
      startStep: iv.startStep,
      endStep: iv.endStep,
    })),
    buffers: reportBuffers,
    failures,
  };
  return { graph, liveness, buffers, pools, plan, report };
}

/** The step to blame: the first step with the largest live sum over capacity, else the peak step. */
function worstStep(liveness: GraphLiveness, layers: readonly ReportLayer[], capacity: number): number {
  let best = liveness.peakStep;
  let bestBytes = -1;
  for (const l of layers) {
    if (l.liveBytes > capacity && l.liveBytes > bestBytes) {
      best = l.step;
      bestBytes = l.liveBytes;
    }
  }
  return best;
}
