/**
 * Graph IR: the model after import, shape inference and constant folding.
 * Immutable once built. Every quantity carries its unit in its name.
 */

/** Element types memplan knows, named as ONNX names them (lower case). */
export type DType =
  | 'float32' | 'float16' | 'bfloat16' | 'float64'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'bool' | 'string' | 'complex64' | 'complex128'
  | 'float8e4m3fn' | 'float8e4m3fnuz' | 'float8e5m2' | 'float8e5m2fnuz' | 'uint4' | 'int4';

/** A constant value. Large splats stay compact (one value and a shape), never expanded. */
export type ConstData =
  /** Every element equals `value` (e.g. a `ConstantOfShape` weight). */
  | { readonly kind: 'splat'; readonly value: number | bigint }
  /** Dense elements in row-major order; int64 stays bigint only in `values` of kind 'bigint'. */
  | { readonly kind: 'dense'; readonly values: Float32Array | Float64Array | Int32Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array }
  /** Strings (rare; only carried through). */
  | { readonly kind: 'strings'; readonly values: readonly string[] };

/**
 * Affine quantization of an integer tensor: real = scale * (q - zeroPoint).
 * Per tensor: one scale and one zero point. Per channel: one of each per index of `axis`.
 */
export interface Quantization {
  /** Scales (real units per integer step), one per tensor or one per channel along `axis`. */
  readonly scales: readonly number[];
  /** Zero points (integer), as many as `scales`. */
  readonly zeroPoints: readonly number[];
  /** Channel dimension of per-channel quantization; undefined when per tensor. */
  readonly axis?: number;
}

/** A folded constant: an initializer, a `Constant` output or the result of a constant subgraph. */
export interface ConstTensor {
  readonly dtype: DType;
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  readonly data: ConstData;
  /** Quantization of integer weights (TFLite files, quantized ONNX); absent for plain values. */
  readonly quantization?: Quantization;
  /**
   * For the float result of a folded ONNX `DequantizeLinear` on a constant (the weights and biases of
   * a QDQ model): the integer tensor it was dequantized from, with its quantization. The QDQ folding
   * (frontend/qdq/fold-qdq.ts) puts it back in place of the float weight when the layer runs in integers.
   */
  readonly dequantizedFrom?: ConstTensor;
}

/** Role of a tensor in the graph after folding. */
export type TensorKind = 'input' | 'activation' | 'output' | 'weight';

/** A tensor with a fully static shape. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: DType;
  /** Static dimensions, outermost first; [] for a scalar. */
  readonly shape: readonly number[];
  /** Number of elements (product of the shape). */
  readonly elementCount: number;
  /** elementCount times the element size (exact bytes; sub-byte types round up). */
  readonly sizeBytes: number;
  readonly kind: TensorKind;
  /** Quantization of an integer activation (TFLite files, quantized ONNX); absent for plain values. */
  readonly quantization?: Quantization;
}

export type AttrValue =
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'strings'; readonly value: readonly string[] }
  | { readonly type: 'tensor'; readonly value: ConstTensor }
  | { readonly type: 'graph'; readonly value: unknown }
  | { readonly type: 'other'; readonly value: unknown };

/** One operator that runs at run time (constant subgraphs are already folded away). */
export interface OpNode {
  /** Node name from the model, or `<opType>_<index>` when the model gives none (unique). */
  readonly name: string;
  readonly opType: string;
  /** '' for the default ONNX domain. */
  readonly domain: string;
  /** Input tensor names; '' marks an omitted optional input. May name weights. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, AttrValue>;
  /** Execution step: index in `Graph.nodes`. */
  readonly step: number;
  /**
   * Nodes fused into this one by the graph optimizations, applied in order to each output element
   * as it is produced (activations, affine steps, x*f(x) gates). Their first activation input is the
   * previous step's output; their intermediate tensors never exist. Absent when nothing is fused.
   */
  readonly fused?: readonly OpNode[];
  /**
   * With `fused`: the head's own result, which the first fused step reads (the other activation
   * operand of a fused step, if any, is a residual read from its own buffer).
   */
  readonly fusedInput?: string;
  /**
   * A depth-first segment (src/schedule/depth-first): this node stands for a chain of spatial nodes
   * run band by band over output rows; only line buffers of their intermediate tensors exist.
   */
  readonly segment?: SegmentSpec;
  /**
   * A clone of node `recomputeOf` that computes its output again (schedule/depth-first/recompute.ts:
   * the second pass over a squeeze-excitation block); its MACs are recomputed work.
   */
  readonly recomputeOf?: string;
}

/**
 * The residual operands of a node's fused chain: activation inputs of fused steps that the chain
 * itself does not produce (a fused residual Add reads one), each once, in order.
 */
export function fusedResiduals(node: OpNode, graph: Pick<Graph, 'tensors' | 'weights'>): string[] {
  if (!node.fused || node.fused.length === 0) return [];
  const inside = new Set<string>([node.fusedInput ?? '', ...node.fused.flatMap((f) => f.outputs)]);
  const out: string[] = [];
  for (const f of node.fused) {
    for (const t of f.inputs) {
      if (t === '' || inside.has(t) || graph.weights.has(t) || !graph.tensors.has(t) || out.includes(t)) continue;
      out.push(t);
    }
  }
  return out;
}

/** How a segment node runs its member nodes (see src/schedule/depth-first/geometry.ts). */
export interface SegmentSpec {
  /** The member nodes, in execution order (each may carry its own fused chain). */
  readonly members: readonly OpNode[];
  /** Output rows of the segment's output tensor per band. */
  readonly bandRows: number;
  /**
   * Output columns per patch (patch mode: the output's width split into column patches, halo columns
   * recomputed); absent in line-buffer mode (full-width rows).
   */
  readonly patchCols?: number;
  /**
   * Tiles mode (2-D patches): output rows per tile (`bandRows` too), with `patchCols` output columns
   * per tile; every member computes the window each tile needs (halo rows and columns recomputed,
   * no line buffers). Absent in the other modes.
   */
  readonly tileRows?: number;
  /** Steps of the graph before segmentation that the segment covers (first..last). */
  readonly sourceSteps: readonly number[];
  /**
   * The output written over the dead part of the input (schedule/depth-first/overlay.ts): the
   * output's buffer sits `overlayLagBytes` before the input's, overlapping it. Absent: no overlay.
   */
  readonly overlayLagBytes?: number;
  /**
   * Channels-last staging of an NCHW output (schedule/depth-first/overlay.ts Staging): the last
   * member writes into a staging buffer `lagBytes` (= overlayLagBytes) before the input's buffer,
   * copied after the loop into the output, `outputOffsetBytes` after the input's start.
   */
  readonly staging?: { readonly lagBytes: number; readonly outputOffsetBytes: number };
}

/** The imported model. */
export interface Graph {
  readonly name: string;
  readonly irVersion: number;
  /** Default-domain opset version. */
  readonly opsetVersion: number;
  /** Runtime graph inputs (initializers excluded), in model order. */
  readonly inputs: readonly string[];
  /** Graph outputs, in model order. */
  readonly outputs: readonly string[];
  /** Runtime operators in execution order (topological; the model's order when it is valid). */
  readonly nodes: readonly OpNode[];
  /** Every non-constant tensor (inputs, activations, outputs) by name. */
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** Every constant read by a runtime node (or a graph output that is constant), by name. */
  readonly weights: ReadonlyMap<string, ConstTensor>;
  /** Sum of the byte sizes of `weights` (read-only weight bytes). */
  readonly weightBytes: number;
  /**
   * Persistent state read and written by stateful operators (TFLite variable tensors: SVDF and LSTM
   * state), by name. Not activations: planned for the whole run, never part of the live peaks.
   * Absent when the model has none.
   */
  readonly states?: ReadonlyMap<string, TensorInfo>;
  /** Model format the graph was imported from (absent: ONNX). */
  readonly format?: 'onnx' | 'tflite';
}

const DTYPE_BITS: Readonly<Record<DType, number>> = {
  float32: 32, float16: 16, bfloat16: 16, float64: 64,
  int8: 8, uint8: 8, int16: 16, uint16: 16, int32: 32, uint32: 32, int64: 64, uint64: 64,
  bool: 8, string: 64, complex64: 64, complex128: 128,
  float8e4m3fn: 8, float8e4m3fnuz: 8, float8e5m2: 8, float8e5m2fnuz: 8, uint4: 4, int4: 4,
};

/** Bits per element of a dtype (strings count as one pointer, 8 bytes). */
export function dtypeBits(dtype: DType): number {
  return DTYPE_BITS[dtype];
}

/** Exact bytes of `elementCount` elements of `dtype` (sub-byte types round up). */
export function byteSize(dtype: DType, elementCount: number): number {
  return Math.ceil((elementCount * DTYPE_BITS[dtype]) / 8);
}

export function elementCountOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Formats a shape as `1x3x96x96` (a scalar is `scalar`). */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('x');
}
