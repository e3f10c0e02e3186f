/**
 * Indexing: Gather, GatherElements, GatherND, Scatter/ScatterElements/ScatterND, OneHot, TopK, and the
 * ops whose output size needs a constant input: Compress, NonZero, Unique; and GridSample.
 */
import { Codes } from '../../diagnostics/codes.js';
import type { ShapeFn } from './types.js';
import {
  attrInt, constInput, constIntInput, dataDependent, fail, fmt, normalizeAxis, requireInput,
} from './util.js';

const gather: ShapeFn = (ctx, inputs) => {
  const data = requireInput(ctx, inputs, 0, 'data');
  const indices = requireInput(ctx, inputs, 1, 'indices');
  if (data.shape.length === 0) fail(ctx, Codes.ShapeMismatch, 'data must have rank >= 1');
  const axis = normalizeAxis(ctx, attrInt(ctx, 'axis', 0), data.shape.length);
  return [{ dtype: data.dtype, shape: [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)] }];
};

const gatherElements: ShapeFn = (ctx, inputs) => {
  const data = requireInput(ctx, inputs, 0, 'data');
  const indices = requireInput(ctx, inputs, 1, 'indices');
  if (indices.shape.length !== data.shape.length) {
    fail(ctx, Codes.ShapeMismatch, `indices ${fmt(indices.shape)} and data ${fmt(data.shape)} differ in rank`);
  }
  normalizeAxis(ctx, attrInt(ctx, 'axis', 0), data.shape.length);
  return [{ dtype: data.dtype, shape: indices.shape }];
};

/** GatherND: indices[:-1] + data[batch_dims + indices[-1]:]. */
const gatherND: ShapeFn = (ctx, inputs) => {
  const data = requireInput(ctx, inputs, 0, 'data');
  const indices = requireInput(ctx, inputs, 1, 'indices');
  const b = attrInt(ctx, 'batch_dims', 0);
  const q = indices.shape.length;
  const last = indices.shape[q - 1];
  if (q < 1 || last === undefined || b < 0 || b + last > data.shape.length || b >= q) {
    return fail(ctx, Codes.ShapeMismatch, `indices ${fmt(indices.shape)} do not index data ${fmt(data.shape)} with batch_dims ${b}`);
  }
  return [{ dtype: data.dtype, shape: [...indices.shape.slice(0, -1), ...data.shape.slice(b + last)] }];
};

/** Scatter*: the output is the data tensor with some elements replaced. */
const scatter: ShapeFn = (ctx, inputs) => {
  const data = requireInput(ctx, inputs, 0, 'data');
  requireInput(ctx, inputs, 1, 'indices');
  requireInput(ctx, inputs, 2, 'updates');
  return [{ dtype: data.dtype, shape: data.shape }];
};

/** OneHot(indices, depth, values): a new axis of size depth, typed like values. */
const oneHot: ShapeFn = (ctx, inputs) => {
  const indices = requireInput(ctx, inputs, 0, 'indices');
  const depthValues = constInput(ctx, inputs, 1, 'depth');
  const values = requireInput(ctx, inputs, 2, 'values');
  const depth = Math.trunc(depthValues[0] ?? Number.NaN);
  if (depthValues.length !== 1 || !(depth >= 1)) fail(ctx, Codes.BadDimension, `depth ${fmt(depthValues)} must be one positive value`);
  const rank = indices.shape.length + 1;
  const axis = normalizeAxis(ctx, attrInt(ctx, 'axis', -1), rank);
  const shape = [...indices.shape];
  shape.splice(axis, 0, depth);
  return [{ dtype: values.dtype, shape }];
};

/** TopK: K from the input (opset 10+) or the `k` attribute; values and int64 indices. */
const topK: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  const axis = normalizeAxis(ctx, attrInt(ctx, 'axis', -1), x.shape.length);
  let k: number | undefined;
  if (ctx.opsetVersion >= 10) {
    const given = constIntInput(ctx, inputs, 1, 'K');
    if (given.length !== 1) fail(ctx, Codes.ShapeMismatch, `K ${fmt(given)} must hold one value`);
    k = given[0];
  } else k = attrInt(ctx, 'k');
  if (k === undefined || k < 0 || k > (x.shape[axis] as number)) {
    return fail(ctx, Codes.BadDimension, `K ${k} is out of range for axis ${axis} of ${fmt(x.shape)}`);
  }
  const shape = [...x.shape];
  shape[axis] = k;
  return [{ dtype: x.dtype, shape }, { dtype: 'int64', shape }];
};

/** Compress: the number of selected slices is the number of true conditions (needs a constant). */
const compress: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'input');
  const condition = constInput(ctx, inputs, 1, 'condition');
  const axisAttr = attrInt(ctx, 'axis');
  const axis = axisAttr === undefined ? undefined : normalizeAxis(ctx, axisAttr, x.shape.length);
  const limit = axis === undefined ? x.shape.reduce((a, b) => a * b, 1) : (x.shape[axis] as number);
  if (condition.length > limit) fail(ctx, Codes.ShapeMismatch, `condition has ${condition.length} entries for ${limit} slices`);
  const kept = condition.filter((c) => c !== 0).length;
  if (axis === undefined) return [{ dtype: x.dtype, shape: [kept] }];
  const shape = [...x.shape];
  shape[axis] = kept;
  return [{ dtype: x.dtype, shape }];
};

/** NonZero: [rank, count of non-zero elements]; only a constant input can be sized. */
const nonZero: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  if (x.value === undefined) return dataDependent(ctx, 'input 0 (X)');
  const count = constInput(ctx, inputs, 0, 'X').filter((v) => v !== 0).length;
  return [{ dtype: 'int64', shape: [x.shape.length, count] }];
};

/**
 * Unique: the number of distinct elements (or, with `axis`, distinct slices) of a constant input.
 * Outputs Y, indices [count], inverse_indices [elements or slices along axis], counts [count].
 */
const unique: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  if (x.value === undefined) return dataDependent(ctx, 'input 0 (X)');
  const values = constInput(ctx, inputs, 0, 'X');
  const axisAttr = attrInt(ctx, 'axis');
  if (axisAttr === undefined) {
    const count = new Set(values).size;
    const counted = { dtype: 'int64' as const, shape: [count] };
    return [{ dtype: x.dtype, shape: [count] }, counted, { dtype: 'int64', shape: [values.length] }, counted];
  }
  const axis = normalizeAxis(ctx, axisAttr, x.shape.length);
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const n = x.shape[axis] as number;
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const keys = new Set<string>();
  for (let i = 0; i < n; i++) {
    const slice: number[] = [];
    for (let o = 0; o < outer; o++) slice.push(...values.slice((o * n + i) * inner, (o * n + i + 1) * inner));
    keys.add(slice.join(','));
  }
  const shape = [...x.shape];
  shape[axis] = keys.size;
  const counted = { dtype: 'int64' as const, shape: [keys.size] };
  return [{ dtype: x.dtype, shape }, counted, { dtype: 'int64', shape: [n] }, counted];
};

/** GridSample(X [N, C, D...], grid [N, D_out..., r]) -> [N, C, D_out...]. */
const gridSample: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  const grid = requireInput(ctx, inputs, 1, 'grid');
  const r = x.shape.length - 2;
  if (r < 1 || grid.shape.length !== x.shape.length || grid.shape[0] !== x.shape[0] || grid.shape[r + 1] !== r) {
    fail(ctx, Codes.ShapeMismatch, `grid ${fmt(grid.shape)} does not suit input ${fmt(x.shape)}`);
  }
  return [{ dtype: x.dtype, shape: [x.shape[0] as number, x.shape[1] as number, ...grid.shape.slice(1, -1)] }];
};

export const GATHER_OPS: Readonly<Record<string, ShapeFn>> = {
  Gather: gather,
  GatherElements: gatherElements,
  GatherND: gatherND,
  Scatter: scatter,
  ScatterElements: scatter,
  ScatterND: scatter,
  OneHot: oneHot,
  TopK: topK,
  Compress: compress,
  NonZero: nonZero,
  Unique: unique,
  GridSample: gridSample,
};
