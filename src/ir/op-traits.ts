/**
 * One table of operator traits, keyed by op type (default ONNX domain). Graph rewrites ask for a
 * trait ("is this element-wise?", "can it fuse after a conv?") instead of listing op names, so a new
 * op (an integer TFLite op, a custom one) joins every rewrite by one row here. This table is meant to
 * grow into the single op registry (shape functions, templates, kernels) of issue 13.
 */

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

const unaryAct: OpTraits = { elementwise: 'unary', fusible: true, inPlaceSafe: true };
const unary: OpTraits = { elementwise: 'unary', inPlaceSafe: true };
const binaryFusible: OpTraits = { elementwise: 'binary', fusible: true, inPlaceSafe: true };
const binary: OpTraits = { elementwise: 'binary', inPlaceSafe: true };

/** The table. Ops not listed have no traits (computed as one whole layer, never rewritten). */
export const OP_TRAITS: ReadonlyMap<string, OpTraits> = new Map<string, OpTraits>([
  ['Conv', { fusionAnchor: true, acceptsZeroPad: true }],
  ['ConvTranspose', { fusionAnchor: true }],
  ['Gemm', { fusionAnchor: true }],
  ['MatMul', { fusionAnchor: true }],
  ['AveragePool', { acceptsZeroPad: true }],
  ['Relu', unaryAct],
  ['LeakyRelu', unaryAct],
  ['Clip', unaryAct],
  ['Sigmoid', unaryAct],
  ['HardSigmoid', unaryAct],
  ['HardSwish', unaryAct],
  ['Tanh', unary],
  ['Elu', unary],
  ['Selu', unary],
  ['Softplus', unary],
  ['Exp', unary],
  ['Log', unary],
  ['Abs', unary],
  ['Neg', unary],
  ['Sqrt', unary],
  ['Reciprocal', unary],
  ['Erf', unary],
  ['Gelu', unary],
  ['BatchNormalization', { elementwise: 'channel-affine', fusible: true, inPlaceSafe: true }],
  ['Add', binaryFusible],
  ['Mul', { ...binaryFusible, multiplies: true }],
  ['Sub', binaryFusible],
  ['Div', binaryFusible],
  ['Sum', binaryFusible],
  ['Max', binary],
  ['Min', binary],
  ['Pow', binary],
  ['Reshape', { view: true }],
  ['Flatten', { view: true }],
  ['Squeeze', { view: true }],
  ['Unsqueeze', { view: true }],
  ['Identity', { view: true }],
  ['Dropout', { view: true }],
  ['Concat', { concat: true }],
  ['Split', { split: true }],
  ['Slice', { split: true }],
  ['Pad', { pad: true }],
]);

/**
 * TFLite builtin operators (domain `tflite`, see TFLITE_DOMAIN in src/frontend/tflite): only what the
 * integer kernels allow. Views alias their input (TFLite keeps the quantization of a reshape);
 * element-wise kernels compute y[i] from their operands at i, so they may run in place over a
 * same-shaped operand (quantization differences are applied per element). Nothing fuses: TFLite
 * already fuses activations into its kernels, and the integer kernels take no chain. Concatenation
 * stays a copy (it may requantize each input).
 */
export const TFLITE_OP_TRAITS: ReadonlyMap<string, OpTraits> = new Map<string, OpTraits>([
  ['RESHAPE', { view: true }],
  ['SQUEEZE', { view: true }],
  ['EXPAND_DIMS', { view: true }],
  ['RELU', unary],
  ['RELU6', unary],
  ['RELU_N1_TO_1', unary],
  ['ADD', binary],
  ['SUB', binary],
  ['MUL', binary],
]);

/**
 * The integer layers of quantized ONNX (domain memplan.qlinear, frontend/qdq/fold-qdq.ts): element-wise
 * ones read element i before writing it, so they may run in place; a Concat whose operands share the
 * output's quantization moves bytes only, so it can be copy-free (the pass checks the quantization).
 * None is fusible: a fused Relu/Clip is already the clamp of the requantization.
 */
export const QLINEAR_TRAITS: ReadonlyMap<string, OpTraits> = new Map<string, OpTraits>([
  ['QAdd', binary],
  ['QMul', binary],
  ['QClip', unary],
  ['QLookup', unary],
  ['QConcat', { concat: true }],
]);

const NONE: OpTraits = {};

/** Traits of an op (none for ops of other domains or not in the tables). */
export function opTraits(opType: string, domain = ''): OpTraits {
  if (domain === 'tflite') return TFLITE_OP_TRAITS.get(opType) ?? NONE;
  if (domain === 'memplan.qlinear') return QLINEAR_TRAITS.get(opType) ?? NONE;
  if (domain !== '' && domain !== 'ai.onnx') return NONE;
  return OP_TRAITS.get(opType) ?? NONE;
}
