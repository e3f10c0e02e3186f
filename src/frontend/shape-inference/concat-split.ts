/** Joining and repeating: Concat, Split, Tile, Expand. */
import { Codes } from '../../diagnostics/codes.js';
import { broadcastShapes } from './broadcast.js';
import type { ShapeFn, ValueInfo } from './types.js';
import {
  attrInt, attrInts, checkDims, constIntInput, fail, fmt, normalizeAxis, requireInput, where,
} from './util.js';

/** Concat: every input has the same rank and dimensions except along `axis`, which add up. */
const concat: ShapeFn = (ctx, inputs) => {
  const given = inputs.filter((v): v is ValueInfo => v !== undefined);
  const first = given[0];
  if (first === undefined) return fail(ctx, Codes.MalformedGraph, 'needs at least one input');
  const rank = first.shape.length;
  const rawAxis = attrInt(ctx, 'axis', ctx.opsetVersion < 4 ? 1 : Number.NaN);
  if (Number.isNaN(rawAxis)) fail(ctx, Codes.BadAttribute, `attribute 'axis' is required`);
  const axis = normalizeAxis(ctx, rawAxis, rank);
  const out = [...first.shape];
  out[axis] = 0;
  for (const v of given) {
    if (v.shape.length !== rank || v.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      fail(ctx, Codes.ShapeMismatch, `input ${fmt(v.shape)} does not match ${fmt(first.shape)} outside axis ${axis}`);
    }
    out[axis] = (out[axis] as number) + (v.shape[axis] as number);
  }
  return [{ dtype: first.dtype, shape: out }];
};

/**
 * Split: sizes from the `split` input (opset 13+) or attribute (before), else equal parts, one per
 * output (with `num_outputs`, opset 18, the last part may be smaller).
 */
const split: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'input');
  const axis = normalizeAxis(ctx, attrInt(ctx, 'axis', 0), x.shape.length);
  const dim = x.shape[axis] as number;
  const count = ctx.node.outputs.length;
  let sizes: number[];
  const given = inputs[1] !== undefined ? constIntInput(ctx, inputs, 1, 'split') : attrInts(ctx, 'split');
  if (given !== undefined && given.length > 0) {
    sizes = [...given];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (sizes.length !== count || total !== dim || sizes.some((s) => s < 0)) {
      fail(ctx, Codes.ShapeMismatch, `split ${fmt(sizes)} does not divide dimension ${dim} of ${fmt(x.shape)} into ${count} outputs`);
    }
  } else {
    const numOutputs = attrInt(ctx, 'num_outputs');
    if (numOutputs !== undefined && numOutputs !== count) {
      fail(ctx, Codes.BadAttribute, `attribute 'num_outputs' ${numOutputs} differs from the ${count} outputs`);
    }
    if (dim % count !== 0 && numOutputs === undefined) {
      fail(ctx, Codes.ShapeMismatch, `dimension ${dim} of ${fmt(x.shape)} does not split evenly into ${count} outputs`);
    }
    const chunk = Math.ceil(dim / count);
    sizes = Array.from({ length: count }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
  }
  return sizes.map((s) => {
    const shape = [...x.shape];
    shape[axis] = s;
    return { dtype: x.dtype, shape };
  });
};

/** Tile: each dimension times its repeat count. */
const tile: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'input');
  const repeats = constIntInput(ctx, inputs, 1, 'repeats');
  if (repeats.length !== x.shape.length) {
    fail(ctx, Codes.ShapeMismatch, `repeats ${fmt(repeats)} must have one value per dimension of ${fmt(x.shape)}`);
  }
  return [{ dtype: x.dtype, shape: checkDims(ctx, x.shape.map((d, i) => d * (repeats[i] as number))) }];
};

/** Expand: bidirectional broadcast of the input with the target shape. */
const expand: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'input');
  const shape = checkDims(ctx, constIntInput(ctx, inputs, 1, 'shape'), 'shape');
  return [{ dtype: x.dtype, shape: broadcastShapes(x.shape, shape, where(ctx)) }];
};

export const CONCAT_SPLIT_OPS: Readonly<Record<string, ShapeFn>> = {
  Concat: concat,
  Split: split,
  Tile: tile,
  Expand: expand,
};
