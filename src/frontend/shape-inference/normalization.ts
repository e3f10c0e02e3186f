/**
 * Normalisations: BatchNormalization (inference and training outputs), InstanceNormalization,
 * LayerNormalization (with Mean/InvStdDev), GroupNormalization, MeanVarianceNormalization,
 * LpNormalization, and the softmax family.
 */
import { Codes } from '../../diagnostics/codes.js';
import { dtypeFromOnnx } from '../onnx-tensor.js';
import type { OutputType, ShapeFn } from './types.js';
import { attrInt, fail, fmt, normalizeAxis, requireInput, where } from './util.js';

/**
 * BatchNormalization(X, scale, B, mean, var). Y is like X; the optional extra outputs (running mean
 * and variance, plus saved mean and variance before opset 14) are shaped like the statistics inputs.
 */
const batchNorm: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  if (x.shape.length < 2) fail(ctx, Codes.ShapeMismatch, `input X must have rank >= 2, got ${fmt(x.shape)}`);
  const scale = requireInput(ctx, inputs, 1, 'scale');
  const mean = requireInput(ctx, inputs, 3, 'mean');
  const variance = requireInput(ctx, inputs, 4, 'var');
  const c = x.shape[1] as number;
  const spatial = attrInt(ctx, 'spatial', 1) !== 0 || ctx.opsetVersion >= 9;
  if (spatial) {
    for (const [label, v] of [['scale', scale], ['B', inputs[2]], ['mean', mean], ['var', variance]] as const) {
      if (v !== undefined && (v.shape.length !== 1 || v.shape[0] !== c)) {
        fail(ctx, Codes.ShapeMismatch, `${label} ${fmt(v.shape)} must have shape [${c}] for input ${fmt(x.shape)}`);
      }
    }
  }
  const out: OutputType[] = [{ dtype: x.dtype, shape: x.shape }];
  const stats = [mean, variance, scale, scale];
  for (let i = 1; i < ctx.node.outputs.length && i <= 4; i++) {
    const s = stats[i - 1] as typeof mean;
    out.push({ dtype: s.dtype, shape: s.shape });
  }
  return out;
};

const instanceNorm: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'input');
  if (x.shape.length < 3) fail(ctx, Codes.ShapeMismatch, `input must have rank >= 3, got ${fmt(x.shape)}`);
  const c = x.shape[1] as number;
  for (const i of [1, 2]) {
    const v = requireInput(ctx, inputs, i, i === 1 ? 'scale' : 'B');
    if (v.shape.length !== 1 || v.shape[0] !== c) fail(ctx, Codes.ShapeMismatch, `input ${i} ${fmt(v.shape)} must have shape [${c}]`);
  }
  return [{ dtype: x.dtype, shape: x.shape }];
};

/** LayerNormalization: Y like X; Mean and InvStdDev keep dims before `axis` and are 1 after. */
const layerNorm: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  const axis = normalizeAxis(ctx, attrInt(ctx, 'axis', -1), x.shape.length);
  const statType = dtypeFromOnnx(attrInt(ctx, 'stash_type', 1), where(ctx));
  const statShape = x.shape.map((d, i) => (i < axis ? d : 1));
  const out: OutputType[] = [{ dtype: x.dtype, shape: x.shape }];
  if (ctx.node.outputs.length > 1) out.push({ dtype: statType, shape: statShape });
  if (ctx.node.outputs.length > 2) out.push({ dtype: statType, shape: statShape });
  return out;
};

/** Softmax, LogSoftmax, Hardmax: same shape; the axis must be valid for the input's rank. */
const softmaxLike: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'input');
  const fallback = ctx.opsetVersion >= 13 ? -1 : 1;
  const rank = x.shape.length;
  if (rank > 0 || ctx.opsetVersion >= 13) normalizeAxis(ctx, attrInt(ctx, 'axis', fallback), Math.max(rank, 1));
  return [{ dtype: x.dtype, shape: x.shape }];
};

const meanVarianceNorm: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  return [{ dtype: x.dtype, shape: x.shape }];
};

/** GroupNormalization (opset 18): Y like X; num_groups must divide the channels. */
const groupNorm: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  if (x.shape.length < 2) fail(ctx, Codes.ShapeMismatch, `input X must have rank >= 2, got ${fmt(x.shape)}`);
  const groups = attrInt(ctx, 'num_groups');
  if (groups === undefined || groups < 1 || (x.shape[1] as number) % groups !== 0) {
    fail(ctx, Codes.BadAttribute, `num_groups ${groups} does not divide ${x.shape[1]} channels`);
  }
  return [{ dtype: x.dtype, shape: x.shape }];
};

export const NORMALIZATION_OPS: Readonly<Record<string, ShapeFn>> = {
  BatchNormalization: batchNorm,
  InstanceNormalization: instanceNorm,
  LayerNormalization: layerNorm,
  MeanVarianceNormalization: meanVarianceNorm,
  LpNormalization: meanVarianceNorm,
  GroupNormalization: groupNorm,
  Softmax: softmaxLike,
  LogSoftmax: softmaxLike,
  Hardmax: softmaxLike,
};
