/**
 * Slice: starts/ends/axes as attributes before opset 10, then starts/ends/axes/steps as inputs.
 * Negative indices count from the end; out-of-range indices are clamped; steps may be negative.
 */
import { Codes } from '../../diagnostics/codes.js';
import { sliceBounds } from '../../ir/geometry.js';
import type { ShapeFn } from './types.js';
import { attrInts, constInput, fail, fmt, normalizeAxes, requireInput } from './util.js';

const slice: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'data');
  const rank = x.shape.length;
  const fromInputs = ctx.opsetVersion >= 10;
  let starts: readonly number[] | undefined;
  let ends: readonly number[] | undefined;
  let axes: readonly number[] | undefined;
  let steps: readonly number[] | undefined;
  if (fromInputs) {
    starts = constInput(ctx, inputs, 1, 'starts');
    ends = constInput(ctx, inputs, 2, 'ends');
    axes = inputs[3] !== undefined ? constInput(ctx, inputs, 3, 'axes') : undefined;
    steps = inputs[4] !== undefined ? constInput(ctx, inputs, 4, 'steps') : undefined;
  } else {
    starts = attrInts(ctx, 'starts');
    ends = attrInts(ctx, 'ends');
    axes = attrInts(ctx, 'axes');
    if (starts === undefined || ends === undefined) return fail(ctx, Codes.BadAttribute, `attributes 'starts' and 'ends' are required`);
  }
  const n = starts.length;
  if (ends.length !== n || (axes !== undefined && axes.length !== n) || (steps !== undefined && steps.length !== n)) {
    fail(ctx, Codes.ShapeMismatch, `starts ${fmt(starts)}, ends ${fmt(ends)}, axes and steps must have the same length`);
  }
  const axisList = normalizeAxes(ctx, axes ?? Array.from({ length: n }, (_, i) => i), rank);
  const out = [...x.shape];
  for (let i = 0; i < n; i++) {
    const axis = axisList[i] as number;
    const step = steps?.[i] ?? 1;
    if (step === 0 || !Number.isFinite(step)) fail(ctx, Codes.BadAttribute, `slice step ${step} is invalid`);
    out[axis] = sliceBounds(x.shape[axis]!, starts[i]!, ends[i]!, step).count;
  }
  return [{ dtype: x.dtype, shape: out }];
};

export const SLICE_OPS: Readonly<Record<string, ShapeFn>> = { Slice: slice };
