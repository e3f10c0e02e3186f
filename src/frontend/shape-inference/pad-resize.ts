/**
 * Pad (attributes before opset 11, inputs after, optional axes from 18) and Resize/Upsample (scales
 * or sizes in every opset variant, axes and keep_aspect_ratio_policy from 18), CenterCropPad.
 */
import { Codes } from '../../diagnostics/codes.js';
import { elementCountOf } from '../../ir/graph.js';
import type { InferContext, ShapeFn, ValueInfo } from './types.js';
import {
  attrFloats, attrInts, attrString, checkDims, constInput, constIntInput, fail, fmt, type Inputs, normalizeAxes,
  requireInput, unsupported,
} from './util.js';

const PAD_MODES = new Set(['constant', 'reflect', 'edge', 'wrap']);

const pad: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'data');
  const rank = x.shape.length;
  const mode = attrString(ctx, 'mode', 'constant');
  if (!PAD_MODES.has(mode)) unsupported(ctx, `pad mode '${mode}' is not supported`);
  let pads: readonly number[] | undefined;
  let axes: number[] = x.shape.map((_, i) => i);
  if (ctx.opsetVersion >= 11) {
    pads = constIntInput(ctx, inputs, 1, 'pads');
    if (inputs[3] !== undefined) axes = normalizeAxes(ctx, constIntInput(ctx, inputs, 3, 'axes'), rank);
  } else {
    pads = attrInts(ctx, 'pads') ?? attrInts(ctx, 'paddings');
    if (pads === undefined) return fail(ctx, Codes.BadAttribute, `attribute 'pads' is required`);
  }
  const n = axes.length;
  if (pads.length !== 2 * n) fail(ctx, Codes.ShapeMismatch, `pads ${fmt(pads)} must have ${2 * n} values for input ${fmt(x.shape)}`);
  const out = [...x.shape];
  axes.forEach((axis, i) => {
    out[axis] = (out[axis] as number) + (pads[i] as number) + (pads[i + n] as number);
  });
  return [{ dtype: x.dtype, shape: checkDims(ctx, out) }];
};

/** CenterCropPad (opset 18): the given sizes on `axes` (all axes by default). */
const centerCropPad: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'input_data');
  const sizes = constIntInput(ctx, inputs, 1, 'shape');
  const axes = resizeAxes(ctx, x.shape.length);
  if (sizes.length !== axes.length) fail(ctx, Codes.ShapeMismatch, `shape ${fmt(sizes)} must have ${axes.length} values`);
  const out = [...x.shape];
  axes.forEach((axis, i) => { out[axis] = sizes[i] as number; });
  return [{ dtype: x.dtype, shape: checkDims(ctx, out) }];
};

/** An optional input that is absent or empty (Resize marks unused scales/sizes with an empty tensor). */
function present(v: ValueInfo | undefined): v is ValueInfo {
  return v !== undefined && elementCountOf(v.shape) > 0;
}

/** floor(dim * scale) per axis, as the ONNX reference computes it. */
function scaled(ctx: InferContext, shape: readonly number[], scales: readonly number[], axes: readonly number[]): readonly number[] {
  if (scales.length !== axes.length) fail(ctx, Codes.ShapeMismatch, `scales ${fmt(scales)} must have ${axes.length} values`);
  const out = [...shape];
  axes.forEach((axis, i) => {
    const s = scales[i] as number;
    if (!(s > 0) || !Number.isFinite(s)) fail(ctx, Codes.BadAttribute, `scale ${s} must be positive`);
    out[axis] = Math.floor((shape[axis] as number) * s);
  });
  return checkDims(ctx, out);
}

function resizeAxes(ctx: InferContext, rank: number): number[] {
  const axes = attrInts(ctx, 'axes');
  return axes === undefined ? Array.from({ length: rank }, (_, i) => i) : normalizeAxes(ctx, axes, rank);
}

function sized(ctx: InferContext, shape: readonly number[], sizes: readonly number[], axes: readonly number[]): readonly number[] {
  if (sizes.length !== axes.length) fail(ctx, Codes.ShapeMismatch, `sizes ${fmt(sizes)} must have ${axes.length} values`);
  const policy = attrString(ctx, 'keep_aspect_ratio_policy', 'stretch');
  const out = [...shape];
  if (policy === 'stretch') {
    axes.forEach((axis, i) => { out[axis] = sizes[i] as number; });
  } else if (policy === 'not_larger' || policy === 'not_smaller') {
    const ratios = axes.map((axis, i) => (sizes[i] as number) / (shape[axis] as number));
    const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
    axes.forEach((axis) => { out[axis] = Math.round(scale * (shape[axis] as number)); });
  } else {
    unsupported(ctx, `keep_aspect_ratio_policy '${policy}' is not supported`);
  }
  return checkDims(ctx, out);
}

/**
 * Resize: opset 10 takes (X, scales); 11+ take (X, roi, scales, sizes) where exactly one of scales
 * and sizes is given (the other omitted or empty).
 */
const resize: ShapeFn = (ctx, inputs: Inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  const axes = resizeAxes(ctx, x.shape.length);
  if (ctx.opsetVersion < 11) {
    return [{ dtype: x.dtype, shape: scaled(ctx, x.shape, constInput(ctx, inputs, 1, 'scales'), axes) }];
  }
  const hasScales = present(inputs[2]);
  const hasSizes = present(inputs[3]);
  if (hasScales === hasSizes) fail(ctx, Codes.ShapeMismatch, 'exactly one of scales and sizes must be given');
  const shape = hasScales
    ? scaled(ctx, x.shape, constInput(ctx, inputs, 2, 'scales'), axes)
    : sized(ctx, x.shape, constIntInput(ctx, inputs, 3, 'sizes'), axes);
  return [{ dtype: x.dtype, shape }];
};

/** Upsample: scales as an attribute (opset 7-8) or an input (9). */
const upsample: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  const scales = ctx.opsetVersion >= 9 ? constInput(ctx, inputs, 1, 'scales') : attrFloats(ctx, 'scales');
  if (scales === undefined) return fail(ctx, Codes.BadAttribute, `attribute 'scales' is required`);
  const mode = attrString(ctx, 'mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'bilinear') unsupported(ctx, `mode '${mode}' is not supported`);
  return [{ dtype: x.dtype, shape: scaled(ctx, x.shape, scales, x.shape.map((_, i) => i)) }];
};

export const PAD_RESIZE_OPS: Readonly<Record<string, ShapeFn>> = {
  Pad: pad,
  Resize: resize,
  Upsample: upsample,
  CenterCropPad: centerCropPad,
};
