/**
 * Convolutions: Conv, ConvInteger, QLinearConv and ConvTranspose. The kernel shape comes from the
 * weights (the `kernel_shape` attribute, when given, must agree).
 */
import { Codes } from '../../diagnostics/codes.js';
import type { DType } from '../../ir/graph.js';
import { transposedOutputSize } from '../../ir/geometry.js';
import { readAutoPad, readPads, readStridesDilations, windowOutput } from './spatial.js';
import type { InferContext, OutputType, ShapeFn, ValueInfo } from './types.js';
import { attrInt, attrInts, fail, fmt, type Inputs, intsOr, requireInput } from './util.js';

interface ConvOperands {
  readonly x: ValueInfo;
  readonly w: ValueInfo;
  readonly group: number;
  readonly kernel: readonly number[];
}

function convOperands(ctx: InferContext, inputs: Inputs, xIndex: number, wIndex: number): ConvOperands {
  const x = requireInput(ctx, inputs, xIndex, 'X');
  const w = requireInput(ctx, inputs, wIndex, 'W');
  if (x.shape.length < 3) fail(ctx, Codes.ShapeMismatch, `input X must have rank >= 3 (N, C, spatial...), got ${fmt(x.shape)}`);
  if (w.shape.length !== x.shape.length) {
    fail(ctx, Codes.ShapeMismatch, `weights ${fmt(w.shape)} and input ${fmt(x.shape)} differ in rank`);
  }
  const group = attrInt(ctx, 'group', 1);
  if (group < 1) fail(ctx, Codes.BadAttribute, `attribute 'group' must be positive, got ${group}`);
  const kernel = w.shape.slice(2);
  if (kernel.some((k) => k < 1)) fail(ctx, Codes.ShapeMismatch, `weights ${fmt(w.shape)} have an empty kernel`);
  const attrKernel = attrInts(ctx, 'kernel_shape');
  if (attrKernel !== undefined && (attrKernel.length !== kernel.length || attrKernel.some((k, i) => k !== kernel[i]))) {
    fail(ctx, Codes.ShapeMismatch, `attribute 'kernel_shape' ${fmt(attrKernel)} disagrees with weights ${fmt(w.shape)}`);
  }
  return { x, w, group, kernel };
}

function convShape(ctx: InferContext, inputs: Inputs, xIndex: number, wIndex: number, biasIndex: number): number[] {
  const { x, w, group, kernel } = convOperands(ctx, inputs, xIndex, wIndex);
  const channels = x.shape[1] as number;
  const m = w.shape[0] as number;
  if ((w.shape[1] as number) * group !== channels) {
    fail(ctx, Codes.ShapeMismatch, `input has ${channels} channels but weights ${fmt(w.shape)} with group ${group} expect ${(w.shape[1] as number) * group}`);
  }
  if (m % group !== 0) fail(ctx, Codes.ShapeMismatch, `${m} output channels are not divisible by group ${group}`);
  const bias = inputs[biasIndex];
  if (bias !== undefined && (bias.shape.length !== 1 || bias.shape[0] !== m)) {
    fail(ctx, Codes.ShapeMismatch, `bias ${fmt(bias.shape)} must have shape [${m}]`);
  }
  const { strides, dilations } = readStridesDilations(ctx, kernel.length);
  const spatial = windowOutput(ctx, x.shape.slice(2), { kernel, strides, dilations }, false);
  return [x.shape[0] as number, m, ...spatial];
}

const conv: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  return [{ dtype: x.dtype, shape: convShape(ctx, inputs, 0, 1, 2) }];
};

const convInteger: ShapeFn = (ctx, inputs) => [{ dtype: 'int32', shape: convShape(ctx, inputs, 0, 1, -1) }];

/** QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B): output typed like y_zero_point. */
const qlinearConv: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'x');
  const dtype: DType = inputs[7]?.dtype ?? x.dtype;
  return [{ dtype, shape: convShape(ctx, inputs, 0, 3, 8) }];
};

/**
 * ConvTranspose: W is [C, M/group, k...]. With `output_shape` the spatial output is given; otherwise
 * stride*(in-1) + output_padding + ((k-1)*dilation+1) - pad_begin - pad_end, and in*stride for SAME.
 */
const convTranspose: ShapeFn = (ctx, inputs): OutputType[] => {
  const { x, w, group, kernel } = convOperands(ctx, inputs, 0, 1);
  const n = kernel.length;
  const channels = x.shape[1] as number;
  if (w.shape[0] !== channels) fail(ctx, Codes.ShapeMismatch, `input has ${channels} channels but weights ${fmt(w.shape)} expect ${w.shape[0]}`);
  const m = (w.shape[1] as number) * group;
  const bias = inputs[2];
  if (bias !== undefined && (bias.shape.length !== 1 || bias.shape[0] !== m)) {
    fail(ctx, Codes.ShapeMismatch, `bias ${fmt(bias.shape)} must have shape [${m}]`);
  }
  const { strides, dilations } = readStridesDilations(ctx, n);
  const outputPadding = intsOr(ctx, 'output_padding', n, 0);
  const inSpatial = x.shape.slice(2);
  const given = attrInts(ctx, 'output_shape');
  let spatial: number[];
  if (given !== undefined) {
    if (given.length !== n && given.length !== n + 2) {
      fail(ctx, Codes.BadAttribute, `attribute 'output_shape' ${fmt(given)} must have ${n} values`);
    }
    spatial = given.slice(given.length - n);
  } else {
    const autoPad = readAutoPad(ctx);
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      spatial = inSpatial.map((d, i) => d * (strides[i] as number));
    } else {
      const pads = autoPad === 'VALID' ? { begin: new Array<number>(n).fill(0), end: new Array<number>(n).fill(0) } : readPads(ctx, n);
      spatial = inSpatial.map((d, i) => transposedOutputSize(d, kernel[i]!, strides[i]!, dilations[i]!, pads.begin[i]!, pads.end[i]!, outputPadding[i]!));
    }
  }
  if (spatial.some((d) => !Number.isSafeInteger(d) || d < 1)) {
    fail(ctx, Codes.BadDimension, `output spatial shape ${fmt(spatial)} is invalid`);
  }
  return [{ dtype: x.dtype, shape: [x.shape[0] as number, m, ...spatial] }];
};

export const CONV_OPS: Readonly<Record<string, ShapeFn>> = {
  Conv: conv,
  ConvInteger: convInteger,
  QLinearConv: qlinearConv,
  ConvTranspose: convTranspose,
};
