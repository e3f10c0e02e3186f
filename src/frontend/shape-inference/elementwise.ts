/**
 * Elementwise operators: unary maths and activations, binary broadcasting arithmetic, comparisons and
 * logic, variadic Sum/Mean/Max/Min, Where, Clip, PRelu, IsNaN/IsInf.
 */
import { Codes } from '../../diagnostics/codes.js';
import { broadcastAll, broadcastShapes, checkUnidirectional } from './broadcast.js';
import type { InferContext, OutputType, ShapeFn, ValueInfo } from './types.js';
import { attrInt, fail, fmt, type Inputs, requireInput, sameShape, where } from './util.js';

/** Output has the type and shape of input 0. */
export const sameAsInput0: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  return [{ dtype: x.dtype, shape: x.shape }];
};

const UNARY = [
  'Abs', 'Acos', 'Acosh', 'Asin', 'Asinh', 'Atan', 'Atanh', 'BitwiseNot', 'Ceil', 'Celu', 'Cos', 'Cosh', 'Elu',
  'Erf', 'Exp', 'Floor', 'Gelu', 'HardSigmoid', 'HardSwish', 'Identity', 'LeakyRelu', 'Log', 'Mish', 'Neg',
  'Not', 'Reciprocal', 'Relu', 'Round', 'Selu', 'Shrink', 'Sigmoid', 'Sign', 'Sin', 'Sinh', 'Softplus',
  'Softsign', 'Sqrt', 'Tan', 'Tanh', 'ThresholdedRelu',
] as const;

/** Same shape, boolean result. */
const predicate: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  return [{ dtype: 'bool', shape: x.shape }];
};

/**
 * Opset < 7 broadcasting: with `broadcast=1`, B matches a contiguous run of A's dimensions starting at
 * `axis` (default: aligned to the end); without it the shapes must be equal. The result has A's shape.
 */
function legacyBroadcast(ctx: InferContext, a: ValueInfo, b: ValueInfo): readonly number[] {
  if (attrInt(ctx, 'broadcast', 0) === 0) {
    if (!sameShape(a.shape, b.shape)) {
      fail(ctx, Codes.ShapeMismatch, `shapes ${fmt(a.shape)} and ${fmt(b.shape)} differ and broadcast is 0`);
    }
    return a.shape;
  }
  const axis = attrInt(ctx, 'axis', a.shape.length - b.shape.length);
  const start = axis < 0 ? axis + a.shape.length : axis;
  let ok = start >= 0 && start + b.shape.length <= a.shape.length;
  for (let i = 0; ok && i < b.shape.length; i++) {
    if (b.shape[i] !== 1 && b.shape[i] !== a.shape[start + i]) ok = false;
  }
  if (!ok) fail(ctx, Codes.ShapeMismatch, `shape ${fmt(b.shape)} cannot be broadcast to ${fmt(a.shape)} at axis ${axis}`);
  return a.shape;
}

/** Ops whose operands share one element type T (Pow and BitShift aside, every binary op here). */
const SAME_TYPE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Mod', 'And', 'Or', 'Xor', 'Equal', 'Less', 'Greater',
  'LessOrEqual', 'GreaterOrEqual', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor', 'Sum', 'Mean', 'Max', 'Min']);

function checkSameType(ctx: InferContext, values: readonly ValueInfo[]): void {
  const first = values[0];
  if (first === undefined || !SAME_TYPE.has(ctx.node.opType)) return;
  for (const v of values) {
    if (v.dtype !== first.dtype) fail(ctx, Codes.ShapeMismatch, `operands have different element types (${first.dtype} and ${v.dtype})`);
  }
}

function binaryShape(ctx: InferContext, inputs: Inputs): { a: ValueInfo; shape: readonly number[] } {
  const a = requireInput(ctx, inputs, 0, 'A');
  const b = requireInput(ctx, inputs, 1, 'B');
  checkSameType(ctx, [a, b]);
  const shape = ctx.opsetVersion < 7 ? legacyBroadcast(ctx, a, b) : broadcastShapes(a.shape, b.shape, where(ctx));
  return { a, shape };
}

/** Broadcasting binary op whose result has A's type. */
const arithmetic: ShapeFn = (ctx, inputs) => {
  const { a, shape } = binaryShape(ctx, inputs);
  return [{ dtype: a.dtype, shape }];
};

/** Broadcasting binary op with a boolean result. */
const comparison: ShapeFn = (ctx, inputs) => {
  const { shape } = binaryShape(ctx, inputs);
  return [{ dtype: 'bool', shape }];
};

/** Sum, Mean, Max, Min: any number of inputs; from opset 8 they broadcast, before they must match. */
const variadic: ShapeFn = (ctx, inputs) => {
  const given = inputs.filter((v): v is ValueInfo => v !== undefined);
  const first = given[0];
  if (first === undefined) return fail(ctx, Codes.MalformedGraph, 'needs at least one input');
  checkSameType(ctx, given);
  if (ctx.opsetVersion < 8) {
    for (const v of given) {
      if (!sameShape(v.shape, first.shape)) {
        fail(ctx, Codes.ShapeMismatch, `inputs ${fmt(first.shape)} and ${fmt(v.shape)} differ (no broadcasting before opset 8)`);
      }
    }
    return [{ dtype: first.dtype, shape: first.shape }];
  }
  return [{ dtype: first.dtype, shape: broadcastAll(given.map((v) => v.shape), where(ctx)) }];
};

/** Where(condition, X, Y): three-way broadcast, X's type. */
const whereOp: ShapeFn = (ctx, inputs) => {
  const c = requireInput(ctx, inputs, 0, 'condition');
  const x = requireInput(ctx, inputs, 1, 'X');
  const y = requireInput(ctx, inputs, 2, 'Y');
  return [{ dtype: x.dtype, shape: broadcastAll([c.shape, x.shape, y.shape], where(ctx)) }];
};

/** PRelu: the slope broadcasts to X (unidirectionally from opset 7). */
const prelu: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  const slope = requireInput(ctx, inputs, 1, 'slope');
  if (ctx.opsetVersion >= 7) checkUnidirectional(x.shape, slope.shape, where(ctx));
  return [{ dtype: x.dtype, shape: x.shape }];
};

/** Clip: min/max are attributes before opset 11 and optional scalar inputs after. */
const clip: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'X');
  for (const i of [1, 2]) {
    const bound = inputs[i];
    if (bound !== undefined && bound.shape.length !== 0 && !(bound.shape.length === 1 && bound.shape[0] === 1)) {
      fail(ctx, Codes.ShapeMismatch, `input ${i} (${i === 1 ? 'min' : 'max'}) must be a scalar, got ${fmt(bound.shape)}`);
    }
  }
  return [{ dtype: x.dtype, shape: x.shape }];
};

/** Dropout: output like X, optional mask (bool from opset 10, X's type before). */
const dropout: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'data');
  const out: OutputType[] = [{ dtype: x.dtype, shape: x.shape }];
  if (ctx.node.outputs.length > 1) out.push({ dtype: ctx.opsetVersion >= 10 ? 'bool' : x.dtype, shape: x.shape });
  return out;
};

export const ELEMENTWISE_OPS: Readonly<Record<string, ShapeFn>> = {
  ...Object.fromEntries(UNARY.map((op) => [op, sameAsInput0])),
  IsNaN: predicate,
  IsInf: predicate,
  Add: arithmetic, Sub: arithmetic, Mul: arithmetic, Div: arithmetic, Pow: arithmetic, Mod: arithmetic,
  BitShift: arithmetic, BitwiseAnd: arithmetic, BitwiseOr: arithmetic, BitwiseXor: arithmetic,
  And: comparison, Or: comparison, Xor: comparison,
  Equal: comparison, Less: comparison, Greater: comparison, LessOrEqual: comparison, GreaterOrEqual: comparison,
  Sum: variadic, Mean: variadic, Max: variadic, Min: variadic,
  Where: whereOp,
  PRelu: prelu,
  Clip: clip,
  Dropout: dropout,
};
