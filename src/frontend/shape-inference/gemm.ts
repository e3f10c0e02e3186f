/** Matrix products: Gemm, MatMul (numpy semantics), MatMulInteger, QLinearMatMul. */
import { Codes } from '../../diagnostics/codes.js';
import type { DType } from '../../ir/graph.js';
import { broadcastShapes, checkUnidirectional } from './broadcast.js';
import type { InferContext, ShapeFn } from './types.js';
import { attrInt, fail, fmt, type Inputs, requireInput, requireRank, where } from './util.js';

/** Gemm: op(A) [M, K] x op(B) [K, N] (+ C broadcast to [M, N]). */
const gemm: ShapeFn = (ctx, inputs) => {
  const a = requireRank(ctx, requireInput(ctx, inputs, 0, 'A'), 2, 'A');
  const b = requireRank(ctx, requireInput(ctx, inputs, 1, 'B'), 2, 'B');
  const transA = attrInt(ctx, 'transA', 0) !== 0;
  const transB = attrInt(ctx, 'transB', 0) !== 0;
  const [m, ka] = transA ? [a.shape[1] as number, a.shape[0] as number] : [a.shape[0] as number, a.shape[1] as number];
  const [kb, n] = transB ? [b.shape[1] as number, b.shape[0] as number] : [b.shape[0] as number, b.shape[1] as number];
  if (ka !== kb) {
    fail(ctx, Codes.ShapeMismatch, `inner dimensions differ: A ${fmt(a.shape)}${transA ? ' (transposed)' : ''} and B ${fmt(b.shape)}${transB ? ' (transposed)' : ''}`);
  }
  const c = inputs[2];
  if (c !== undefined) checkUnidirectional([m, n], c.shape, where(ctx));
  return [{ dtype: a.dtype, shape: [m, n] }];
};

/** numpy.matmul output shape: 1-D operands are promoted and the added axis removed again. */
export function matmulShape(ctx: InferContext, a: readonly number[], b: readonly number[]): number[] {
  if (a.length === 0 || b.length === 0) fail(ctx, Codes.ShapeMismatch, 'MatMul operands must have rank >= 1');
  const a2 = a.length === 1 ? [1, a[0] as number] : a;
  const b2 = b.length === 1 ? [b[0] as number, 1] : b;
  const k1 = a2[a2.length - 1] as number;
  const k2 = b2[b2.length - 2] as number;
  if (k1 !== k2) fail(ctx, Codes.ShapeMismatch, `inner dimensions differ: ${fmt(a)} x ${fmt(b)}`);
  const batch = broadcastShapes(a2.slice(0, -2), b2.slice(0, -2), where(ctx));
  const out = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2] as number);
  if (b.length > 1) out.push(b2[b2.length - 1] as number);
  return out;
}

function matmulOf(ctx: InferContext, inputs: Inputs, ia: number, ib: number, dtype?: DType) {
  const a = requireInput(ctx, inputs, ia, 'A');
  const b = requireInput(ctx, inputs, ib, 'B');
  return [{ dtype: dtype ?? a.dtype, shape: matmulShape(ctx, a.shape, b.shape) }];
}

const matmul: ShapeFn = (ctx, inputs) => matmulOf(ctx, inputs, 0, 1);
const matmulInteger: ShapeFn = (ctx, inputs) => matmulOf(ctx, inputs, 0, 1, 'int32');
/** QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp): typed like y_zero_point. */
const qlinearMatmul: ShapeFn = (ctx, inputs) =>
  matmulOf(ctx, inputs, 0, 3, requireInput(ctx, inputs, 7, 'y_zero_point').dtype);

export const GEMM_OPS: Readonly<Record<string, ShapeFn>> = {
  Gemm: gemm,
  MatMul: matmul,
  MatMulInteger: matmulInteger,
  QLinearMatMul: qlinearMatmul,
};
