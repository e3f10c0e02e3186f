/**
 * The op-capability table: one row per op the importers accept (ONNX default domain and the TFLite
 * domain), saying what every stage can do with it. Every op list of the code is derived from here:
 *  - graph-opt traits (element-wise, fusible, in-place-safe, view, ...): `opTraits` (op-traits.ts);
 *  - the tiling family of a layer (schedule/templates/index.ts dispatches on `tiling`);
 *  - the C kernel family (codegen/ops/index.ts dispatches on `kernel`; `cKernelOps` is the list the
 *    conformance tests count) and the TFLite integer kernels (codegen/int/emit-tflite.ts).
 * Shape functions and constant-fold kernels are implementations keyed by op in their own registries
 * (frontend/shape-inference/registry.ts, frontend/const-eval/index.ts); test/ir/op-table.test.ts
 * proves that the rows here are exactly the ops with a shape function, that every foldable op has a
 * row, that each kernel family's emitter covers exactly its rows, and that the derived lists agree.
 *
 * A new op is one row here plus its implementations; a row without a `tiling` is computed as one
 * whole tile, one without a `kernel` has no C code (MP701 names it).
 */

/** How a layer's output may be split into tiles (schedule/templates). */
export type TilingFamilyId =
  /** Whole tile (the default). */
  | 'whole'
  /** Output element i from input element i (with ONNX broadcasting): split any outer dims. */
  | 'elementwise'
  /** Normalises along one axis (Softmax, LRN): tiles hold whole rows along it. */
  | 'axis'
  /** Sliding window over NC[H]W: split output rows (with a halo) and channels. */
  | 'conv'
  | 'pool'
  | 'global-pool'
  | 'gemm'
  /** The output is the input's bytes: no code, no buffer (else a whole tile). */
  | 'view'
  /** Only moves bytes: DMA copies (else a computed Concat, split along its other dims). */
  | 'copy'
  /** Split output dims; the input follows through the permutation. */
  | 'transpose'
  /** Split output dims; the input window is shifted and strided by the slice (positive steps). */
  | 'slice'
  /** Split output dims; the input window is shifted by the begin pads (constant mode: any dim). */
  | 'pad'
  /** Split one leading dim that is not resized. */
  | 'resize'
  /** Split one kept (not reduced) leading dim. */
  | 'reduce'
  /**
   * Integer layers (schedule/templates/integer.ts): splits where the integer kernels can run on the
   * window (output rows of a window layer; the outermost dim of an element-wise or softmax layer; the
   * rows or units of a dense layer; the channels of a global pool).
   */
  | 'int-window'
  | 'int-elementwise'
  | 'int-axis'
  | 'int-gemm'
  | 'int-global-pool'
  | 'int-pad'
  | 'int-transpose'
  /** A reduction over adjacent axes before the last one (TFLite MEAN over H, W): split the last, kept axis. */
  | 'int-reduce';

/** What a rewrite may assume about an op. Every flag is false/undefined unless the row sets it. */
export interface OpTraits {
  /**
   * `unary`: output element i depends on input element i only (activations).
   * `binary`: ONNX-broadcast element-wise over its operands (Add, Mul, ...).
   * `channel-affine`: per-channel scale and shift (BatchNormalization in inference mode).
   */
  readonly elementwise?: 'unary' | 'binary' | 'channel-affine';
  /** May be applied inside the output loop of a producing Conv/Gemm (an activation or an affine step). */
  readonly fusible?: boolean;
  /** Heads a fused chain: computes each output element once, so a chain can be applied as it is stored. */
  readonly fusionAnchor?: boolean;
  /** The output may overwrite an operand of the same shape (reads element i before writing element i). */
  readonly inPlaceSafe?: boolean;
  /** The output is the input's bytes reinterpreted (same size): no code, no new buffer. */
  readonly view?: boolean;
  /** Joins its operands along an axis (copy-free when each operand is a contiguous block). */
  readonly concat?: boolean;
  /** Splits its input into contiguous pieces along an axis (views when contiguous). */
  readonly split?: boolean;
  /** Pads its input (foldable into a following op's padding when the value is zero). */
  readonly pad?: boolean;
  /** Has a `pads` attribute that a preceding zero Pad can fold into. */
  readonly acceptsZeroPad?: boolean;
  /** Multiplies its two operands (x * f(x) gating: SiLU, PyTorch's HardSwish). */
  readonly multiplies?: boolean;
}

/** Which C emitter computes the op (codegen/ops/<family>.ts; 'int': codegen/int/emit-tflite.ts). */
export type KernelFamilyId = 'elementwise' | 'conv-pool' | 'gemm' | 'normalization' | 'reduce' | 'data-movement' | 'int' | 'qlinear';

export interface OpEntry {
  readonly traits: OpTraits;
  readonly tiling: TilingFamilyId;
  readonly kernel?: KernelFamilyId;
}

/** Unary activations that fuse after a Conv/Gemm and run in place. */
const unaryAct: OpTraits = { elementwise: 'unary', fusible: true, inPlaceSafe: true };
const unary: OpTraits = { elementwise: 'unary', inPlaceSafe: true };
const binaryFusible: OpTraits = { elementwise: 'binary', fusible: true, inPlaceSafe: true };
const binary: OpTraits = { elementwise: 'binary', inPlaceSafe: true };
const none: OpTraits = {};

type Row = readonly [ops: readonly string[], traits: OpTraits, tiling: TilingFamilyId, kernel?: KernelFamilyId];

/** ONNX rows, grouped by what they share. */
const ONNX_ROWS: readonly Row[] = [
  // Element-wise with a C kernel.
  [['Relu', 'LeakyRelu', 'Clip', 'Sigmoid', 'HardSigmoid', 'HardSwish'], unaryAct, 'elementwise', 'elementwise'],
  [['Tanh', 'Elu', 'Selu', 'Softplus', 'Exp', 'Log', 'Abs', 'Neg', 'Sqrt', 'Reciprocal', 'Erf', 'Gelu'], unary, 'elementwise', 'elementwise'],
  [['Floor', 'Ceil', 'Round', 'Sign', 'Softsign', 'Celu', 'Mish', 'ThresholdedRelu', 'Shrink', 'Sin', 'Cos',
    'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh'], none, 'elementwise', 'elementwise'],
  [['Add', 'Sub', 'Div', 'Sum'], binaryFusible, 'elementwise', 'elementwise'],
  [['Mul'], { ...binaryFusible, multiplies: true }, 'elementwise', 'elementwise'],
  [['Max', 'Min', 'Pow'], binary, 'elementwise', 'elementwise'],
  [['PRelu', 'Mean', 'Mod'], none, 'elementwise', 'elementwise'],
  [['BatchNormalization'], { elementwise: 'channel-affine', fusible: true, inPlaceSafe: true }, 'elementwise', 'normalization'],
  [['Cast'], none, 'elementwise', 'data-movement'],
  // Element-wise, analysed but without a C kernel.
  [['CastLike', 'Not', 'And', 'Or', 'Xor', 'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Where',
    'QuantizeLinear', 'DequantizeLinear', 'IsNaN', 'IsInf'], none, 'elementwise'],
  // Along an axis.
  [['Softmax', 'LogSoftmax', 'LRN', 'LayerNormalization'], none, 'axis', 'normalization'],
  [['Hardmax'], none, 'axis'],
  // Windows and matrix products.
  [['Conv'], { fusionAnchor: true, acceptsZeroPad: true }, 'conv', 'conv-pool'],
  [['ConvTranspose'], { fusionAnchor: true }, 'whole'],
  [['MaxPool'], none, 'pool', 'conv-pool'],
  [['AveragePool'], { acceptsZeroPad: true }, 'pool', 'conv-pool'],
  [['LpPool'], none, 'pool'],
  [['GlobalAveragePool', 'GlobalMaxPool'], none, 'global-pool', 'conv-pool'],
  [['GlobalLpPool'], none, 'global-pool'],
  [['Gemm', 'MatMul'], { fusionAnchor: true }, 'gemm', 'gemm'],
  // Data movement.
  [['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze'], { view: true }, 'view', 'data-movement'],
  [['Identity', 'Dropout'], { view: true }, 'view', 'elementwise'],
  [['Concat'], { concat: true }, 'copy', 'data-movement'],
  [['Split'], { split: true }, 'whole'],
  [['Slice'], { split: true }, 'slice', 'data-movement'],
  [['Pad'], { pad: true }, 'pad', 'data-movement'],
  [['Transpose'], none, 'transpose', 'data-movement'],
  [['Resize', 'Upsample'], none, 'resize', 'data-movement'],
  [['Gather', 'Expand', 'Tile'], none, 'whole', 'data-movement'],
  // Reductions.
  [['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp',
    'ReduceSumSquare'], none, 'reduce', 'reduce'],
  // Sized and planned, computed as one whole layer, no C kernel.
  [['ArgMax', 'ArgMin', 'Bernoulli', 'BitShift', 'BitwiseAnd', 'BitwiseNot', 'BitwiseOr', 'BitwiseXor', 'BlackmanWindow',
    'CenterCropPad', 'Compress', 'Constant', 'ConstantOfShape', 'ConvInteger', 'CumSum', 'DFT', 'DepthToSpace', 'Det',
    'DynamicQuantizeLinear', 'Einsum', 'EyeLike', 'GRU', 'GatherElements', 'GatherND', 'GridSample', 'GroupNormalization',
    'HammingWindow', 'HannWindow', 'InstanceNormalization', 'LSTM', 'LpNormalization', 'MatMulInteger',
    'MaxRoiPool', 'MaxUnpool', 'MeanVarianceNormalization', 'MelWeightMatrix', 'NegativeLogLikelihoodLoss', 'NonZero', 'OneHot',
    'QLinearConv', 'QLinearMatMul', 'RNN', 'RandomNormal', 'RandomNormalLike', 'RandomUniform', 'RandomUniformLike', 'Range',
    'ReverseSequence', 'RoiAlign', 'STFT', 'Scatter', 'ScatterElements', 'ScatterND', 'Shape', 'Size', 'SoftmaxCrossEntropyLoss',
    'SpaceToDepth', 'TfIdfVectorizer', 'TopK', 'Trilu', 'Unique'], none, 'whole'],
];

/**
 * TFLite rows (domain 'tflite', NHWC): `int` rows have an integer C kernel; the int-* tilings split
 * where that kernel runs on a window (schedule/templates/integer.ts), the others are computed whole. Traits
 * are what the integer kernels allow: a reshape keeps its quantization (a view, no code); the
 * element-wise kernels compute y[i] from their operands at i, so they may run in place over a
 * same-shaped operand. Nothing fuses (TFLite already fuses activations into its kernels), and
 * CONCATENATION stays a copy (it may requantize each input).
 */
const TFLITE_ROWS: readonly Row[] = [
  [['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS'], { view: true }, 'whole', 'int'],
  [['RELU', 'RELU6', 'RELU_N1_TO_1'], unary, 'int-elementwise', 'int'],
  [['ADD', 'SUB', 'MUL'], binary, 'int-elementwise', 'int'],
  // A PAD of the real zero folds into a convolution (graph-opt's fold-pad): TFLite's integer convolutions
  // skip positions outside the input, which is padding with its zero point. Not into the pools (an
  // average excludes the padding from its count, a max pool ignores it).
  [['CONV_2D', 'DEPTHWISE_CONV_2D'], { acceptsZeroPad: true }, 'int-window', 'int'],
  [['AVERAGE_POOL_2D', 'MAX_POOL_2D'], none, 'int-window', 'int'],
  [['FULLY_CONNECTED'], none, 'int-gemm', 'int'],
  [['LEAKY_RELU', 'QUANTIZE', 'DEQUANTIZE'], none, 'int-elementwise', 'int'],
  [['SOFTMAX'], none, 'int-axis', 'int'],
  [['PAD', 'PADV2'], { pad: true }, 'int-pad', 'int'],
  [['TRANSPOSE'], none, 'int-transpose', 'int'],
  [['MEAN'], none, 'int-reduce', 'int'],
  [['TRANSPOSE_CONV', 'STRIDED_SLICE', 'CONCATENATION', 'SVDF'], none, 'whole', 'int'],
  [['SUM', 'REDUCE_MAX', 'LOGISTIC', 'TANH', 'HARD_SWISH', 'UNIDIRECTIONAL_SEQUENCE_LSTM'], none, 'whole'],
];

/**
 * The integer layers of quantized ONNX (domain memplan.qlinear, made by frontend/qdq/fold-qdq.ts;
 * C in codegen/int/emit-qlinear.ts), tiled by the int-* families like the TFLite rows. Element-wise ones read element i before writing
 * it, so they may run in place; a QConcat whose operands share the output's quantization moves bytes
 * only, so it can be copy-free (the pass checks the quantization). None is fusible: a fused Relu/Clip
 * is already the clamp of the requantization.
 */
const QLINEAR_ROWS: readonly Row[] = [
  [['QAdd', 'QMul'], binary, 'int-elementwise', 'qlinear'],
  [['QClip', 'QLookup'], unary, 'int-elementwise', 'qlinear'],
  [['QConcat'], { concat: true }, 'whole', 'qlinear'],
  [['QConv', 'QMaxPool'], none, 'int-window', 'qlinear'],
  [['QGemm'], none, 'int-gemm', 'qlinear'],
  [['QGlobalAveragePool'], none, 'int-global-pool', 'qlinear'],
  [['QuantizeLinear', 'DequantizeLinear'], none, 'int-elementwise', 'qlinear'],
];

function build(rows: readonly Row[]): ReadonlyMap<string, OpEntry> {
  const table = new Map<string, OpEntry>();
  for (const [ops, traits, tiling, kernel] of rows) {
    for (const op of ops) {
      if (table.has(op)) throw new Error(`op table: ${op} has two rows`);
      table.set(op, kernel === undefined ? { traits, tiling } : { traits, tiling, kernel });
    }
  }
  return table;
}

/** ONNX default-domain ops by op type. */
export const ONNX_OP_TABLE: ReadonlyMap<string, OpEntry> = build(ONNX_ROWS);

/** The domain of nodes imported from TFLite (import-tflite.ts sets it). */
export const TFLITE_OP_DOMAIN = 'tflite';

/** TFLite builtin operators by name. */
export const TFLITE_OP_TABLE: ReadonlyMap<string, OpEntry> = build(TFLITE_ROWS);

/** The domain of quantized ONNX's integer layers (QLINEAR_DOMAIN in frontend/qdq/fold-qdq.ts). */
export const QLINEAR_OP_DOMAIN = 'memplan.qlinear';

/** Quantized ONNX's integer layers by op type. */
export const QLINEAR_OP_TABLE: ReadonlyMap<string, OpEntry> = build(QLINEAR_ROWS);

/** The row of an op (undefined: a domain or op memplan does not know). */
export function opEntry(opType: string, domain: string): OpEntry | undefined {
  if (domain === '' || domain === 'ai.onnx') return ONNX_OP_TABLE.get(opType);
  if (domain === TFLITE_OP_DOMAIN) return TFLITE_OP_TABLE.get(opType);
  if (domain === QLINEAR_OP_DOMAIN) return QLINEAR_OP_TABLE.get(opType);
  return undefined;
}

/** ONNX ops with a tiling family (sorted). */
export function opsWithTiling(tiling: TilingFamilyId): string[] {
  return [...ONNX_OP_TABLE].filter(([, e]) => e.tiling === tiling).map(([op]) => op).sort();
}

/** Ops of `table` whose C kernel is in `family` (sorted). */
export function opsWithKernel(
  family: KernelFamilyId,
  table: ReadonlyMap<string, OpEntry> = family === 'int' ? TFLITE_OP_TABLE : family === 'qlinear' ? QLINEAR_OP_TABLE : ONNX_OP_TABLE,
): string[] {
  return [...table].filter(([, e]) => e.kernel === family).map(([op]) => op).sort();
}

/** ONNX ops with a float C kernel (sorted): what codegen emits and the conformance test counts. */
export function cKernelOps(): string[] {
  return [...ONNX_OP_TABLE].filter(([, e]) => e.kernel !== undefined).map(([op]) => op).sort();
}
