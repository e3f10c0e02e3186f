/**
 * Pooling: MaxPool (with optional Indices), AveragePool, LpPool, the Global* pools, MaxUnpool, LRN,
 * RoiAlign and MaxRoiPool.
 */
import { Codes } from '../../diagnostics/codes.js';
import { transposedOutputSize } from '../../ir/geometry.js';
import { readPads, readStridesDilations, windowOutput } from './spatial.js';
import type { InferContext, OutputType, ShapeFn, ValueInfo } from './types.js';
import { attrInt, attrInts, constIntInput, fail, fmt, type Inputs, requireInput, requireRank } from './util.js';

function pooledInput(ctx: InferContext, inputs: Inputs): ValueInfo {
  const x = requireInput(ctx, inputs, 0, 'X');
  if (x.shape.length < 3) fail(ctx, Codes.ShapeMismatch, `input X must have rank >= 3 (N, C, spatial...), got ${fmt(x.shape)}`);
  return x;
}

function readKernel(ctx: InferContext, spatialRank: number): readonly number[] {
  const kernel = attrInts(ctx, 'kernel_shape');
  if (kernel === undefined) return fail(ctx, Codes.BadAttribute, `attribute 'kernel_shape' is required`);
  if (kernel.length !== spatialRank || kernel.some((k) => k < 1)) {
    fail(ctx, Codes.BadAttribute, `attribute 'kernel_shape' ${fmt(kernel)} does not suit ${spatialRank} spatial dimensions`);
  }
  return kernel;
}

function pooledShape(ctx: InferContext, x: ValueInfo): number[] {
  const spatialIn = x.shape.slice(2);
  const kernel = readKernel(ctx, spatialIn.length);
  const { strides, dilations } = readStridesDilations(ctx, spatialIn.length);
  const ceilMode = attrInt(ctx, 'ceil_mode', 0) !== 0;
  return [x.shape[0] as number, x.shape[1] as number, ...windowOutput(ctx, spatialIn, { kernel, strides, dilations }, ceilMode)];
}

const maxPool: ShapeFn = (ctx, inputs) => {
  const x = pooledInput(ctx, inputs);
  const shape = pooledShape(ctx, x);
  const out: OutputType[] = [{ dtype: x.dtype, shape }];
  if (ctx.node.outputs.length > 1) out.push({ dtype: 'int64', shape });
  return out;
};

const averagePool: ShapeFn = (ctx, inputs) => {
  const x = pooledInput(ctx, inputs);
  return [{ dtype: x.dtype, shape: pooledShape(ctx, x) }];
};

const globalPool: ShapeFn = (ctx, inputs) => {
  const x = pooledInput(ctx, inputs);
  return [{ dtype: x.dtype, shape: [x.shape[0] as number, x.shape[1] as number, ...x.shape.slice(2).map(() => 1)] }];
};

/** MaxUnpool(X, I, output_shape?): the given output shape, else (in-1)*stride + kernel - pads. */
const maxUnpool: ShapeFn = (ctx, inputs) => {
  const x = pooledInput(ctx, inputs);
  const n = x.shape.length - 2;
  if (inputs[2] !== undefined) {
    const shape = constIntInput(ctx, inputs, 2, 'output_shape');
    if (shape.length !== x.shape.length) fail(ctx, Codes.ShapeMismatch, `output_shape ${fmt(shape)} must have rank ${x.shape.length}`);
    return [{ dtype: x.dtype, shape }];
  }
  const kernel = readKernel(ctx, n);
  const { strides } = readStridesDilations(ctx, n);
  const pads = readPads(ctx, n);
  const spatial = x.shape.slice(2).map((d, i) => transposedOutputSize(d, kernel[i]!, strides[i]!, 1, pads.begin[i]!, pads.end[i]!));
  return [{ dtype: x.dtype, shape: [x.shape[0] as number, x.shape[1] as number, ...spatial] }];
};

/** RoiAlign(X, rois, batch_indices) -> [num_rois, C, output_height, output_width]. */
const roiAlign: ShapeFn = (ctx, inputs) => {
  const x = requireRank(ctx, requireInput(ctx, inputs, 0, 'X'), 4, 'X');
  const rois = requireRank(ctx, requireInput(ctx, inputs, 1, 'rois'), 2, 'rois');
  const h = attrInt(ctx, 'output_height', 1);
  const w = attrInt(ctx, 'output_width', 1);
  return [{ dtype: x.dtype, shape: [rois.shape[0] as number, x.shape[1] as number, h, w] }];
};

/** MaxRoiPool(X, rois [num_rois, 5]) -> [num_rois, C, pooled_h, pooled_w]. */
const maxRoiPool: ShapeFn = (ctx, inputs) => {
  const x = requireRank(ctx, requireInput(ctx, inputs, 0, 'X'), 4, 'X');
  const rois = requireRank(ctx, requireInput(ctx, inputs, 1, 'rois'), 2, 'rois');
  const pooled = attrInts(ctx, 'pooled_shape');
  if (pooled === undefined || pooled.length !== 2) return fail(ctx, Codes.BadAttribute, `attribute 'pooled_shape' must give 2 values`);
  return [{ dtype: x.dtype, shape: [rois.shape[0] as number, x.shape[1] as number, pooled[0] as number, pooled[1] as number] }];
};

const lrn: ShapeFn = (ctx, inputs) => {
  const x = pooledInput(ctx, inputs);
  if (attrInt(ctx, 'size') === undefined) fail(ctx, Codes.BadAttribute, `attribute 'size' is required`);
  return [{ dtype: x.dtype, shape: x.shape }];
};

export const POOL_OPS: Readonly<Record<string, ShapeFn>> = {
  MaxPool: maxPool,
  AveragePool: averagePool,
  LpPool: averagePool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
  MaxUnpool: maxUnpool,
  RoiAlign: roiAlign,
  MaxRoiPool: maxRoiPool,
  LRN: lrn,
};
