/**
 * onnxruntime's quantized contrib ops (domain com.microsoft) that quantized ONNX files hold beside the
 * standard QLinearConv / QLinearMatMul: QLinearAdd, QLinearMul, QLinearGlobalAveragePool (NCHW) and
 * QLinearSigmoid. Outputs are typed like the first input.
 */
import { Codes } from '../../diagnostics/codes.js';
import { broadcastShapes } from './broadcast.js';
import type { ShapeFn } from './types.js';
import { attrInt, fail, fmt, requireInput, where } from './util.js';

/** QLinearAdd / QLinearMul(A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp): numpy broadcasting. */
const qlinearBinary: ShapeFn = (ctx, inputs) => {
  const a = requireInput(ctx, inputs, 0, 'A');
  const b = requireInput(ctx, inputs, 3, 'B');
  return [{ dtype: a.dtype, shape: broadcastShapes(a.shape, b.shape, where(ctx)) }];
};

/** QLinearGlobalAveragePool(X, x_scale, x_zp, y_scale, y_zp): [N, C, 1, ...] (channels_last = 0 only). */
const qlinearGlobalAveragePool: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  if (attrInt(ctx, 'channels_last', 0) !== 0) fail(ctx, Codes.BadAttribute, 'channels_last = 1 is not supported');
  if (x.shape.length < 3) fail(ctx, Codes.ShapeMismatch, `input X must have rank >= 3 (N, C, spatial...), got ${fmt(x.shape)}`);
  return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)] }];
};

/** QLinearSigmoid(X, X_scale, X_zp, Y_scale, Y_zp): same shape. */
const qlinearUnary: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  return [{ dtype: x.dtype, shape: [...x.shape] }];
};

export const MS_QUANT_OPS: Readonly<Record<string, ShapeFn>> = {
  QLinearAdd: qlinearBinary,
  QLinearMul: qlinearBinary,
  QLinearGlobalAveragePool: qlinearGlobalAveragePool,
  QLinearSigmoid: qlinearUnary,
};
