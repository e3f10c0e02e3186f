/**
 * Ops that make or retype tensors: Constant, ConstantOfShape, Shape, Size, Range, Cast, CastLike,
 * EyeLike, Bernoulli, Random*, Det, TfIdfVectorizer, and the same-shape ops CumSum, Trilu,
 * ReverseSequence.
 */
import { Codes } from '../../diagnostics/codes.js';
import type { DType } from '../../ir/graph.js';
import { dtypeFromOnnx } from '../onnx-tensor.js';
import { sameAsInput0 } from './elementwise.js';
import type { InferContext, ShapeFn } from './types.js';
import {
  attrInt, attrInts, attrTensor, checkDims, constInput, constIntInput, fail, fmt, requireInput, unsupported, where,
} from './util.js';

function dtypeAttr(ctx: InferContext, name: string): DType | undefined {
  const code = attrInt(ctx, name);
  return code === undefined ? undefined : dtypeFromOnnx(code, where(ctx));
}

/** Constant: the type and shape of whichever value attribute the node carries. */
const constant: ShapeFn = (ctx) => {
  const attrs = ctx.node.attributes;
  const tensor = attrTensor(ctx, 'value');
  if (tensor !== undefined) return [{ dtype: tensor.dtype, shape: tensor.shape }];
  const listed: readonly [string, DType, boolean][] = [
    ['value_float', 'float32', false], ['value_floats', 'float32', true], ['value_int', 'int64', false],
    ['value_ints', 'int64', true], ['value_string', 'string', false], ['value_strings', 'string', true],
  ];
  for (const [name, dtype, isList] of listed) {
    const a = attrs.get(name);
    if (a === undefined) continue;
    if (!isList) return [{ dtype, shape: [] }];
    const n = Array.isArray(a.value) ? a.value.length : 1;
    return [{ dtype, shape: [n] }];
  }
  return unsupported(ctx, 'Constant without a dense value attribute is not supported');
};

const constantOfShape: ShapeFn = (ctx, inputs) => {
  const shape = checkDims(ctx, constIntInput(ctx, inputs, 0, 'input'));
  const value = attrTensor(ctx, 'value');
  return [{ dtype: value?.dtype ?? 'float32', shape }];
};

/** Shape: a 1-D int64 tensor of the (sliced, opset 15) input rank. */
const shapeOp: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'data');
  const rank = x.shape.length;
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(attrInt(ctx, 'start', 0));
  const end = clamp(attrInt(ctx, 'end', rank));
  return [{ dtype: 'int64', shape: [Math.max(0, end - start)] }];
};

const size: ShapeFn = (ctx, inputs) => {
  requireInput(ctx, inputs, 0, 'data');
  return [{ dtype: 'int64', shape: [] }];
};

function scalarInput(ctx: InferContext, inputs: Parameters<ShapeFn>[1], i: number, label: string): number {
  const v = constInput(ctx, inputs, i, label);
  if (v.length !== 1) fail(ctx, Codes.ShapeMismatch, `${label} must be a scalar, got ${v.length} values`);
  return v[0] as number;
}

/** Range(start, limit, delta): max(ceil((limit - start) / delta), 0) elements. */
const range: ShapeFn = (ctx, inputs) => {
  const startInfo = requireInput(ctx, inputs, 0, 'start');
  const start = scalarInput(ctx, inputs, 0, 'start');
  const limit = scalarInput(ctx, inputs, 1, 'limit');
  const delta = scalarInput(ctx, inputs, 2, 'delta');
  if (delta === 0 || !Number.isFinite(delta)) fail(ctx, Codes.BadAttribute, `delta ${delta} is invalid`);
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  return [{ dtype: startInfo.dtype, shape: checkDims(ctx, [n]) }];
};

const cast: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'input');
  const to = dtypeAttr(ctx, 'to');
  if (to === undefined) return fail(ctx, Codes.BadAttribute, `attribute 'to' is required`);
  return [{ dtype: to, shape: x.shape }];
};

const castLike: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'input');
  return [{ dtype: requireInput(ctx, inputs, 1, 'target_type').dtype, shape: x.shape }];
};

/** EyeLike and Bernoulli: the input's shape; `dtype` attribute, else the input's type. */
const likeWithDtype: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'input');
  if (ctx.node.opType === 'EyeLike' && x.shape.length !== 2) fail(ctx, Codes.ShapeMismatch, `input must be 2-D, got ${fmt(x.shape)}`);
  return [{ dtype: dtypeAttr(ctx, 'dtype') ?? x.dtype, shape: x.shape }];
};

/** Det: batch of square matrices [*, M, M] -> [*]. */
const det: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  const r = x.shape.length;
  if (r < 2 || x.shape[r - 1] !== x.shape[r - 2]) fail(ctx, Codes.ShapeMismatch, `input ${fmt(x.shape)} is not a batch of square matrices`);
  return [{ dtype: x.dtype, shape: x.shape.slice(0, -2) }];
};

/** RandomUniform and RandomNormal: the `shape` attribute, `dtype` attribute (float32 by default). */
const random: ShapeFn = (ctx) => {
  const shape = attrInts(ctx, 'shape');
  if (shape === undefined) return fail(ctx, Codes.BadAttribute, `attribute 'shape' is required`);
  return [{ dtype: dtypeAttr(ctx, 'dtype') ?? 'float32', shape: checkDims(ctx, shape) }];
};

/** TfIdfVectorizer: [C] -> [max(ngram_indexes)+1], [N, C] -> [N, max(ngram_indexes)+1], float32. */
const tfIdfVectorizer: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  const indexes = attrInts(ctx, 'ngram_indexes');
  if (indexes === undefined || indexes.length === 0) return fail(ctx, Codes.BadAttribute, `attribute 'ngram_indexes' is required`);
  const width = indexes.reduce((a, b) => Math.max(a, b), 0) + 1;
  if (x.shape.length === 1) return [{ dtype: 'float32', shape: [width] }];
  if (x.shape.length === 2) return [{ dtype: 'float32', shape: [x.shape[0] as number, width] }];
  return fail(ctx, Codes.ShapeMismatch, `input must be [C] or [N, C], got ${fmt(x.shape)}`);
};

export const TENSOR_OPS: Readonly<Record<string, ShapeFn>> = {
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Shape: shapeOp,
  Size: size,
  Range: range,
  Cast: cast,
  CastLike: castLike,
  EyeLike: likeWithDtype,
  Bernoulli: likeWithDtype,
  RandomUniformLike: likeWithDtype,
  RandomNormalLike: likeWithDtype,
  RandomUniform: random,
  RandomNormal: random,
  TfIdfVectorizer: tfIdfVectorizer,
  Det: det,
  CumSum: sameAsInput0,
  Trilu: sameAsInput0,
  ReverseSequence: sameAsInput0,
};
