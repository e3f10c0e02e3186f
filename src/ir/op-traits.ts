/**
 * Operator traits for graph rewrites. Rewrites ask for a trait ("is this element-wise?", "can it fuse
 * after a conv?") instead of listing op names; the traits of each op are a column of the op table
 * (op-table.ts), so a new op joins every rewrite by its row there.
 */
import { ONNX_OP_TABLE } from './op-table.js';

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

const NONE: OpTraits = {};

/** Traits of an op: its row of the op table (none for other domains, TFLite ops and unknown ops). */
export function opTraits(opType: string, domain = ''): OpTraits {
  if (domain !== '' && domain !== 'ai.onnx') return NONE;
  return ONNX_OP_TABLE.get(opType)?.traits ?? NONE;
}
