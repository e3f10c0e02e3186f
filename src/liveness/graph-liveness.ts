/**
 * Graph-level liveness, exactly as DESIGN.md's convention says:
 * steps are the runtime operators in execution order; a tensor is live from the step that produces it
 * to the last step that reads it, inclusive; graph inputs from step 0, graph outputs to the last step.
 * Weights (folded constants) are never activations.
 */
import type { DType, Graph, TensorInfo, TensorKind } from '../ir/graph.js';
import { byteSize, fusedResiduals } from '../ir/graph.js';

/** How activations are sized: as the model says, or as if every float tensor were int8 / float32. */
export type DtypeMode = 'as-is' | 'int8' | 'float32';

export interface LiveInterval {
  readonly tensor: string;
  readonly kind: TensorKind;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Bytes after the dtype mode is applied. */
  readonly sizeBytes: number;
  /** Inclusive step interval. */
  readonly startStep: number;
  readonly endStep: number;
  /** Node producing the tensor (undefined for graph inputs). */
  readonly producer?: string;
}

export interface GraphLiveness {
  /** Number of steps (runtime operators). */
  readonly stepCount: number;
  /** One interval per non-constant tensor, ordered by start step, then name. */
  readonly intervals: readonly LiveInterval[];
  /** Sum of live bytes at each step. */
  readonly liveBytesByStep: readonly number[];
  readonly peakLiveBytes: number;
  /** First step where the live sum is largest (0 when there are no steps). */
  readonly peakStep: number;
}

const FLOAT_TYPES: ReadonlySet<DType> = new Set<DType>(['float32', 'float16', 'bfloat16', 'float64']);

/** The dtype a tensor is sized as under `mode`. */
export function effectiveDtype(dtype: DType, mode: DtypeMode): DType {
  if (mode === 'as-is' || !FLOAT_TYPES.has(dtype)) return dtype;
  return mode === 'int8' ? 'int8' : 'float32';
}

export function tensorBytes(t: TensorInfo, mode: DtypeMode): number {
  return mode === 'as-is' ? t.sizeBytes : byteSize(effectiveDtype(t.dtype, mode), t.elementCount);
}

export function graphLiveness(graph: Graph, mode: DtypeMode = 'as-is'): GraphLiveness {
  const stepCount = graph.nodes.length;
  const lastStep = Math.max(stepCount - 1, 0);
  const start = new Map<string, number>();
  const end = new Map<string, number>();
  const producer = new Map<string, string>();
  for (const name of graph.inputs) {
    if (graph.tensors.has(name)) {
      start.set(name, 0);
      end.set(name, 0);
    }
  }
  for (const node of graph.nodes) {
    // A fused chain's residual operands are read by the node too.
    for (const name of [...node.inputs, ...fusedResiduals(node, graph)]) {
      if (name !== '' && graph.tensors.has(name)) end.set(name, Math.max(end.get(name) ?? node.step, node.step));
    }
    for (const name of node.outputs) {
      if (name !== '' && graph.tensors.has(name) && !start.has(name)) {
        start.set(name, node.step);
        end.set(name, Math.max(end.get(name) ?? node.step, node.step));
        producer.set(name, node.name);
      }
    }
  }
  for (const name of graph.outputs) if (start.has(name)) end.set(name, lastStep);

  const intervals: LiveInterval[] = [];
  for (const [name, s] of start) {
    const t = graph.tensors.get(name)!;
    const p = producer.get(name);
    intervals.push({
      tensor: name,
      kind: t.kind,
      dtype: effectiveDtype(t.dtype, mode),
      shape: t.shape,
      sizeBytes: tensorBytes(t, mode),
      startStep: s,
      endStep: end.get(name)!,
      ...(p !== undefined ? { producer: p } : {}),
    });
  }
  intervals.sort((a, b) => a.startStep - b.startStep || (a.tensor < b.tensor ? -1 : a.tensor > b.tensor ? 1 : 0));

  const liveBytesByStep = liveBytesPerStep(intervals, Math.max(stepCount, intervals.length > 0 ? 1 : 0));
  let peakLiveBytes = 0;
  let peakStep = 0;
  liveBytesByStep.forEach((live, s) => {
    if (live > peakLiveBytes) {
      peakLiveBytes = live;
      peakStep = s;
    }
  });
  return { stepCount, intervals, liveBytesByStep, peakLiveBytes, peakStep };
}

/** Sum of sizes live at each step 0..stepCount-1 (inclusive intervals), by a difference array. */
export function liveBytesPerStep(
  intervals: Iterable<{ readonly sizeBytes: number; readonly startStep: number; readonly endStep: number }>,
  stepCount: number,
): number[] {
  const delta = new Array<number>(stepCount + 1).fill(0);
  for (const iv of intervals) {
    if (iv.startStep >= stepCount) continue;
    delta[iv.startStep]! += iv.sizeBytes;
    delta[Math.min(iv.endStep + 1, stepCount)]! -= iv.sizeBytes;
  }
  const out: number[] = [];
  let live = 0;
  for (let s = 0; s < stepCount; s++) out.push((live += delta[s]!));
  return out;
}

/** Intervals live at `step`, largest first (then by name). */
export function liveAt(liveness: GraphLiveness, step: number): LiveInterval[] {
  return liveness.intervals
    .filter((iv) => iv.startStep <= step && step <= iv.endStep)
    .sort((a, b) => b.sizeBytes - a.sizeBytes || (a.tensor < b.tensor ? -1 : a.tensor > b.tensor ? 1 : 0));
}
