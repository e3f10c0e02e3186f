/**
 * QuantizeLinear / DequantizeLinear on constants (per-tensor or per-axis; blocked quantization of
 * opset 21 is declined). In QDQ models `DequantizeLinear(int8 weight, scale, zero point)` is a constant
 * subgraph, so by the liveness convention its float result is a weight, not an activation; note that
 * weightBytes then counts the dequantized (float) weights.
 */
import { Codes } from '../../diagnostics/codes.js';
import type { ConstTensor, DType } from '../../ir/graph.js';
import { elementCountOf } from '../../ir/graph.js';
import { dtypeFromOnnx } from '../onnx-tensor.js';
import type { ConstKernel, KernelContext, Scalar } from './tensor.js';
import { allocate, CannotFold, convert, elements, fail, normAxis, required, valueOf, where } from './tensor.js';
import { intAttr } from '../../ir/attributes.js';

const RANGES: Partial<Record<DType, readonly [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  int4: [-8, 7],
  uint4: [0, 15],
};

/** For each element of `x`, the index into a per-tensor (1 value) or per-axis parameter. */
function parameterIndex(ctx: KernelContext, x: ConstTensor, param: ConstTensor): (k: number) => number {
  const n = elementCountOf(param.shape);
  if (n === 1) return () => 0;
  if (param.shape.length !== 1) throw new CannotFold('blocked quantization');
  const axis = normAxis(ctx, intAttr(ctx.node, 'axis', 1), x.shape.length);
  if (x.shape[axis] !== n) {
    throw fail(ctx, Codes.ShapeMismatch, `a per-axis parameter of ${n} values does not match axis ${axis} of size ${x.shape[axis]}`);
  }
  const inner = elementCountOf(x.shape.slice(axis + 1));
  return (k) => Math.floor(k / inner) % n;
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The operands shared by QuantizeLinear and DequantizeLinear: x, scale and the optional zero point. */
function operands(ctx: KernelContext, inputs: Parameters<ConstKernel>[1]) {
  const x = required(ctx, inputs, 0);
  const scale = required(ctx, inputs, 1);
  const zero = valueOf(inputs, 2);
  if (intAttr(ctx.node, 'block_size', 0) !== 0) throw new CannotFold('blocked quantization');
  return { x, scale, zero };
}

/** Element arrays of the operands and, per element of x, the index of its scale and zero point. */
function operandElements(ctx: KernelContext, x: ConstTensor, scale: ConstTensor, zero: ConstTensor | undefined) {
  return {
    idx: parameterIndex(ctx, x, scale),
    xs: elements(x),
    ss: elements(scale),
    zs: zero ? elements(zero) : undefined,
  };
}

const dequantize: ConstKernel = (ctx, inputs) => {
  const { x, scale, zero } = operands(ctx, inputs);
  const outDtype = scale.dtype;
  const { idx, xs, ss, zs } = operandElements(ctx, x, scale, zero);
  const out = allocate(outDtype, xs.length) as unknown as Scalar[];
  for (let k = 0; k < xs.length; k++) {
    const p = idx(k);
    const z = zs ? Number(zs[p]) : 0;
    out[k] = convert((Number(xs[k]) - z) * Number(ss[p]), outDtype);
  }
  const source = quantizedSource(ctx, x, scale, zero);
  return [{ dtype: outDtype, shape: [...x.shape], data: { kind: 'dense', values: out as unknown as Float32Array }, ...(source ? { dequantizedFrom: source } : {}) }];
};

/**
 * The integer operand of a DequantizeLinear with its quantization (per tensor or per axis), kept on the
 * folded float result so that the QDQ folding can run the layer on the integers.
 */
function quantizedSource(ctx: KernelContext, x: ConstTensor, scale: ConstTensor, zero: ConstTensor | undefined): ConstTensor | undefined {
  if (x.dtype !== 'int8' && x.dtype !== 'uint8' && x.dtype !== 'int32') return undefined;
  if (scale.dtype !== 'float32') return undefined;
  const n = elementCountOf(scale.shape);
  const scales = Array.from(elements(scale), Number);
  const zeroPoints = zero ? Array.from(elements(zero), Number) : scales.map(() => 0);
  if (zeroPoints.length !== n) return undefined;
  const quantization = n === 1 ? { scales, zeroPoints } : { scales, zeroPoints, axis: normAxis(ctx, intAttr(ctx.node, 'axis', 1), x.shape.length) };
  return { ...x, quantization };
}

const quantize: ConstKernel = (ctx, inputs) => {
  const { x, scale, zero } = operands(ctx, inputs);
  const toAttr = ctx.node.attributes.get('output_dtype');
  const outDtype: DType = zero
    ? zero.dtype
    : toAttr && toAttr.type === 'int' && toAttr.value !== 0
      ? dtypeFromOnnx(toAttr.value, where(ctx))
      : 'uint8';
  const range = RANGES[outDtype];
  if (!range) throw new CannotFold(`QuantizeLinear to ${outDtype}`);
  const { idx, xs, ss, zs } = operandElements(ctx, x, scale, zero);
  const out = allocate(outDtype, xs.length) as unknown as Scalar[];
  for (let k = 0; k < xs.length; k++) {
    const p = idx(k);
    const s = Number(ss[p]);
    if (s === 0 || !Number.isFinite(s)) throw new CannotFold('zero or non-finite scale');
    const q = roundHalfEven(Number(xs[k]) / s) + (zs ? Number(zs[p]) : 0);
    out[k] = Math.min(Math.max(Number.isNaN(q) ? 0 : q, range[0]), range[1]);
  }
  return [{ dtype: outDtype, shape: [...x.shape], data: { kind: 'dense', values: out as unknown as Float32Array } }];
};

export const QUANT_KERNELS: ReadonlyMap<string, ConstKernel> = new Map<string, ConstKernel>([
  ['DequantizeLinear', dequantize],
  ['QuantizeLinear', quantize],
]);
