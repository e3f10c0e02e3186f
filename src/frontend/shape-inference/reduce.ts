/**
 * Reductions: ReduceMean/Max/Min/Sum/Prod/L1/L2/LogSum/LogSumExp/SumSquare and ArgMax/ArgMin.
 * The axes are an attribute (before opset 13 for ReduceSum, 18 for the others) or an optional input;
 * whichever the node carries is used. Empty axes reduce every axis unless noop_with_empty_axes is set.
 */
import type { ShapeFn } from './types.js';
import { attrInt, attrInts, constIntInput, normalizeAxes, normalizeAxis, requireInput } from './util.js';

const REDUCE_OPS = [
  'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceMax', 'ReduceMean', 'ReduceMin',
  'ReduceProd', 'ReduceSum', 'ReduceSumSquare',
] as const;

/** Shape after reducing `axes` (already normalised) of `shape`. */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  const reduce = new Set(axes);
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!reduce.has(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

const reduce: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'data');
  const rank = x.shape.length;
  const keepDims = attrInt(ctx, 'keepdims', 1) !== 0;
  const given = inputs[1] !== undefined ? constIntInput(ctx, inputs, 1, 'axes') : attrInts(ctx, 'axes');
  let axes: number[];
  if (given === undefined || given.length === 0) {
    if (attrInt(ctx, 'noop_with_empty_axes', 0) !== 0) return [{ dtype: x.dtype, shape: x.shape }];
    axes = x.shape.map((_, i) => i);
  } else {
    axes = normalizeAxes(ctx, given, rank);
  }
  return [{ dtype: x.dtype, shape: reducedShape(x.shape, axes, keepDims) }];
};

const argReduce: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'data');
  const axis = normalizeAxis(ctx, attrInt(ctx, 'axis', 0), x.shape.length);
  return [{ dtype: 'int64', shape: reducedShape(x.shape, [axis], attrInt(ctx, 'keepdims', 1) !== 0) }];
};

export const REDUCE_SHAPE_OPS: Readonly<Record<string, ShapeFn>> = {
  ...Object.fromEntries(REDUCE_OPS.map((op) => [op, reduce])),
  ArgMax: argReduce,
  ArgMin: argReduce,
};
