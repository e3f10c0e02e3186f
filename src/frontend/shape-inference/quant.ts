/** Quantisation: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear. */
import type { DType } from '../../ir/graph.js';
import { dtypeFromOnnx } from '../onnx-tensor.js';
import type { ShapeFn } from './types.js';
import { attrInt, requireInput, where } from './util.js';

/**
 * QuantizeLinear(x, y_scale, y_zero_point?): typed like the zero point, else by `output_dtype`
 * (opset 21), else uint8.
 */
const quantizeLinear: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'x');
  requireInput(ctx, inputs, 1, 'y_scale');
  const code = attrInt(ctx, 'output_dtype', 0);
  const dtype: DType = inputs[2]?.dtype ?? (code !== 0 ? dtypeFromOnnx(code, where(ctx)) : 'uint8');
  return [{ dtype, shape: x.shape }];
};

/**
 * DequantizeLinear(x, x_scale, x_zero_point?): typed by `output_dtype` when set (opset 23), else like
 * the scale (always float32 before opset 19).
 */
const dequantizeLinear: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'x');
  const scale = requireInput(ctx, inputs, 1, 'x_scale');
  const code = attrInt(ctx, 'output_dtype', 0);
  return [{ dtype: code !== 0 ? dtypeFromOnnx(code, where(ctx)) : scale.dtype, shape: x.shape }];
};

/** DynamicQuantizeLinear(x) -> y (uint8, like x), y_scale (float32 scalar), y_zero_point (uint8 scalar). */
const dynamicQuantizeLinear: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'x');
  return [
    { dtype: 'uint8', shape: x.shape },
    { dtype: 'float32', shape: [] },
    { dtype: 'uint8', shape: [] },
  ];
};

export const QUANT_OPS: Readonly<Record<string, ShapeFn>> = {
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
  DynamicQuantizeLinear: dynamicQuantizeLinear,
};
