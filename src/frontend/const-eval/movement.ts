/**
 * Constant kernels that build, move or reshape data: Constant, ConstantOfShape, Range, Shape, Size,
 * Identity, Reshape, Flatten, Unsqueeze, Squeeze, Expand, Transpose, Concat, Gather, Slice and the
 * ReduceProd/Sum/Min/Max family. A splat input gives a splat output wherever the op only moves data.
 */
import { Codes } from '../../diagnostics/codes.js';
import { UnsupportedError } from '../../diagnostics/errors.js';
import type { ConstTensor, DType } from '../../ir/graph.js';
import { elementCountOf } from '../../ir/graph.js';
import type { ConstKernel, KernelContext, Scalar } from './tensor.js';
import { reducedShape } from '../shape-inference/reduce.js';
import { sliceBounds } from '../../ir/geometry.js';
import type { ValueInfo } from '../shape-inference/types.js';
import {
  allocate, broadcastIndex, broadcastShapes, CannotFold, convert, dense, elements, fail, intList,
  MAX_FOLD_ELEMENTS, normAxis, required, reshaped, scalarOf, splat, stridesOf, valueOf, where,
} from './tensor.js';
import { axisAttr, intAttr, intsAttr } from '../../ir/attributes.js';

const int64List = (values: readonly number[], shape: readonly number[] = [values.length]): ConstTensor =>
  dense('int64', shape, values);

/** Builds a dense result by copying `n` elements picked by `pick(k)` (a flat source index). */
function gatherFlat(t: ConstTensor, shape: readonly number[], pick: (k: number) => number): ConstTensor {
  if (t.data.kind === 'splat') return splat(t.dtype, shape, t.data.value);
  const src = elements(t);
  const n = elementCountOf(shape);
  const out = allocate(t.dtype, n) as unknown as Scalar[];
  for (let k = 0; k < n; k++) out[k] = src[pick(k)] as Scalar;
  return { dtype: t.dtype, shape: [...shape], data: { kind: 'dense', values: out as unknown as Float32Array } };
}

/** Iterates the multi-index of `shape` in row-major order, calling `visit(flat, counter)`. */
function forEachIndex(shape: readonly number[], visit: (k: number, counter: readonly number[]) => void): void {
  const n = elementCountOf(shape);
  const counter = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    visit(k, counter);
    for (let j = shape.length - 1; j >= 0; j--) {
      counter[j] = (counter[j] as number) + 1;
      if ((counter[j] as number) < (shape[j] as number)) break;
      counter[j] = 0;
    }
  }
}

const constantKernel: ConstKernel = (ctx) => {
  const attrs = ctx.node.attributes;
  const [name, a] = [...attrs][0] ?? [];
  if (attrs.size !== 1 || name === undefined || a === undefined) {
    throw fail(ctx, Codes.BadAttribute, 'a Constant node needs exactly one value attribute');
  }
  switch (name) {
    case 'value':
      if (a.type === 'tensor') return [a.value];
      break;
    case 'value_float':
      if (a.type === 'float') return [dense('float32', [], [a.value])];
      break;
    case 'value_floats':
      if (a.type === 'floats') return [dense('float32', [a.value.length], a.value)];
      break;
    case 'value_int':
      if (a.type === 'int') return [dense('int64', [], [a.value])];
      break;
    case 'value_ints':
      if (a.type === 'ints') return [dense('int64', [a.value.length], a.value)];
      break;
    case 'value_string':
      if (a.type === 'string') return [{ dtype: 'string', shape: [], data: { kind: 'strings', values: [a.value] } }];
      break;
    case 'value_strings':
      if (a.type === 'strings') return [{ dtype: 'string', shape: [a.value.length], data: { kind: 'strings', values: a.value } }];
      break;
    case 'sparse_value':
      throw UnsupportedError.one(Codes.UnsupportedOp, 'sparse Constant values are not supported', where(ctx));
    default:
      break;
  }
  throw fail(ctx, Codes.BadAttribute, `Constant attribute '${name}' is unknown or has the wrong type`);
};

const constantOfShapeKernel: ConstKernel = (ctx, inputs) => {
  const shapeT = required(ctx, inputs, 0);
  const shape = intList(shapeT);
  for (const d of shape) {
    if (d < 0) throw fail(ctx, Codes.BadDimension, `ConstantOfShape asks for a negative dimension ${d}`);
  }
  const v = ctx.node.attributes.get('value');
  if (v === undefined) return [splat('float32', shape, 0)];
  if (v.type !== 'tensor' || elementCountOf(v.value.shape) !== 1) {
    throw fail(ctx, Codes.BadAttribute, "ConstantOfShape's 'value' must be a one-element tensor");
  }
  const value = v.value.data.kind === 'splat' ? v.value.data.value : (elements(v.value)[0] as Scalar);
  return [splat(v.value.dtype, shape, value)];
};

const rangeKernel: ConstKernel = (ctx, inputs) => {
  const [s, l, d] = [0, 1, 2].map((i) => required(ctx, inputs, i)) as [ConstTensor, ConstTensor, ConstTensor];
  const dtype = s.dtype;
  const start = Number(scalarOf(s));
  const limit = Number(scalarOf(l));
  const delta = Number(scalarOf(d));
  if (delta === 0) throw fail(ctx, Codes.BadAttribute, 'Range has a zero delta');
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  if (!Number.isFinite(n)) throw new CannotFold('infinite Range');
  if (n > MAX_FOLD_ELEMENTS) throw new CannotFold('Range too long to fold');
  const values = new Array<number>(n);
  for (let i = 0; i < n; i++) values[i] = start + i * delta;
  return [dense(dtype, [n], values)];
};

/** Shape (opset 15 adds start/end) and Size read only the input's static shape. */
const shapeKernel: ConstKernel = (ctx, inputs) => {
  const x = inputs[0];
  if (!x) throw fail(ctx, Codes.MalformedGraph, 'Shape needs an input');
  const rank = x.shape.length;
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(intAttr(ctx.node, 'start', 0));
  const end = clamp(intAttr(ctx.node, 'end', rank));
  const dims = x.shape.slice(start, Math.max(start, end));
  return [int64List(dims)];
};

const sizeKernel: ConstKernel = (ctx, inputs) => {
  const x = inputs[0];
  if (!x) throw fail(ctx, Codes.MalformedGraph, 'Size needs an input');
  return [dense('int64', [], [elementCountOf(x.shape)])];
};

const identityKernel: ConstKernel = (ctx, inputs) => [required(ctx, inputs, 0)];

/** Reshape target with 0 (copy) and -1 (infer) resolved. */
function reshapeTarget(ctx: KernelContext, input: readonly number[], target: readonly number[], allowZero: boolean): number[] {
  const out = target.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= input.length) throw fail(ctx, Codes.ShapeMismatch, `Reshape copies dimension ${i} of a rank-${input.length} input`);
      return input[i] as number;
    }
    return d;
  });
  const total = elementCountOf(input);
  const inferred = out.filter((d) => d === -1).length;
  if (inferred > 1 || out.some((d) => d < -1)) {
    throw fail(ctx, Codes.ShapeMismatch, `Reshape target [${target.join(',')}] is invalid`);
  }
  if (inferred === 1) {
    const known = out.reduce((a, d) => (d === -1 ? a : a * d), 1);
    if (known === 0 || total % known !== 0) {
      throw fail(ctx, Codes.ShapeMismatch, `cannot reshape [${input.join(',')}] to [${target.join(',')}]`);
    }
    out[out.indexOf(-1)] = total / known;
  }
  if (elementCountOf(out) !== total) {
    throw fail(ctx, Codes.ShapeMismatch, `cannot reshape [${input.join(',')}] to [${target.join(',')}]`);
  }
  return out;
}

const reshapeKernel: ConstKernel = (ctx, inputs) => {
  const x = required(ctx, inputs, 0);
  const target = intList(required(ctx, inputs, 1));
  return [reshaped(x, reshapeTarget(ctx, x.shape, target, intAttr(ctx.node, 'allowzero', 0) !== 0))];
};

const flattenKernel: ConstKernel = (ctx, inputs) => {
  const x = required(ctx, inputs, 0);
  const rank = x.shape.length;
  const axis = axisAttr(ctx.node, rank, 1);
  if (axis < 0 || axis > rank) throw fail(ctx, Codes.BadAttribute, `Flatten axis out of range for rank ${rank}`);
  const outer = elementCountOf(x.shape.slice(0, axis));
  return [reshaped(x, [outer, elementCountOf(x.shape.slice(axis))])];
};

/** Axes from the attribute (older opsets) or from input 1 (opset 13+, or 18+ for reductions). */
function axesOf(ctx: KernelContext, inputs: readonly (ValueInfo | undefined)[], index: number): number[] | undefined {
  const fromInput = valueOf(inputs, index);
  if (fromInput) return intList(fromInput);
  const attr = intsAttr(ctx.node, 'axes');
  return attr ? [...attr] : undefined;
}

const unsqueezeKernel: ConstKernel = (ctx, inputs) => {
  const x = required(ctx, inputs, 0);
  const axes = axesOf(ctx, inputs, 1);
  if (!axes) throw fail(ctx, Codes.BadAttribute, 'Unsqueeze needs axes');
  const rank = x.shape.length + axes.length;
  const norm = axes.map((a) => normAxis(ctx, a, rank));
  if (new Set(norm).size !== norm.length) throw fail(ctx, Codes.BadAttribute, 'Unsqueeze axes repeat');
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : (x.shape[j++] as number));
  return [reshaped(x, out)];
};

const squeezeKernel: ConstKernel = (ctx, inputs) => {
  const x = required(ctx, inputs, 0);
  const axes = axesOf(ctx, inputs, 1);
  const rank = x.shape.length;
  const drop = axes ? axes.map((a) => normAxis(ctx, a, rank)) : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  for (const a of drop) {
    if (x.shape[a] !== 1) throw fail(ctx, Codes.ShapeMismatch, `Squeeze of axis ${a} whose size is ${x.shape[a]}, not 1`);
  }
  return [reshaped(x, x.shape.filter((_, i) => !drop.includes(i)))];
};

const expandKernel: ConstKernel = (ctx, inputs) => {
  const x = required(ctx, inputs, 0);
  const target = intList(required(ctx, inputs, 1));
  const outShape = broadcastShapes(ctx, [x.shape, target]);
  if (x.data.kind === 'splat') return [splat(x.dtype, outShape, x.data.value)];
  const idx = broadcastIndex(x.shape, outShape);
  return [gatherFlat(x, outShape, (k) => idx[k] as number)];
};

const transposeKernel: ConstKernel = (ctx, inputs) => {
  const x = required(ctx, inputs, 0);
  const rank = x.shape.length;
  const perm = intsAttr(ctx.node, 'perm') ?? x.shape.map((_, i) => rank - 1 - i);
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw fail(ctx, Codes.BadAttribute, `Transpose perm [${perm.join(',')}] does not fit rank ${rank}`);
  }
  const outShape = perm.map((p) => x.shape[p] as number);
  if (x.data.kind === 'splat') return [splat(x.dtype, outShape, x.data.value)];
  const inStrides = stridesOf(x.shape);
  const src = new Array<number>(elementCountOf(outShape));
  forEachIndex(outShape, (k, c) => {
    let f = 0;
    for (let j = 0; j < rank; j++) f += (c[j] as number) * (inStrides[perm[j] as number] as number);
    src[k] = f;
  });
  return [gatherFlat(x, outShape, (k) => src[k] as number)];
};

const concatKernel: ConstKernel = (ctx, inputs) => {
  const ts = inputs.map((_, i) => required(ctx, inputs, i));
  const first = ts[0];
  if (!first) throw fail(ctx, Codes.MalformedGraph, 'Concat needs inputs');
  const rank = first.shape.length;
  if (!ctx.node.attributes.has('axis')) throw fail(ctx, Codes.BadAttribute, "Concat needs an 'axis' attribute");
  const axis = normAxis(ctx, intAttr(ctx.node, 'axis', 0), rank);
  for (const t of ts) {
    if (t.dtype !== first.dtype) throw fail(ctx, Codes.ShapeMismatch, `Concat of ${first.dtype} and ${t.dtype}`);
    if (t.shape.length !== rank || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      throw fail(ctx, Codes.ShapeMismatch, `Concat of shapes [${first.shape.join(',')}] and [${t.shape.join(',')}]`);
    }
  }
  const outShape = [...first.shape];
  outShape[axis] = ts.reduce((a, t) => a + (t.shape[axis] as number), 0);
  const d0 = first.data;
  if (d0.kind === 'splat' && ts.every((t) => t.data.kind === 'splat' && t.data.value === d0.value)) {
    return [splat(first.dtype, outShape, d0.value)];
  }
  if (first.dtype === 'string') throw new CannotFold('string Concat');
  const outer = elementCountOf(first.shape.slice(0, axis));
  const inner = elementCountOf(first.shape.slice(axis + 1));
  const out = allocate(first.dtype, elementCountOf(outShape)) as unknown as Scalar[];
  const sources = ts.map((t) => elements(t));
  let k = 0;
  for (let o = 0; o < outer; o++) {
    ts.forEach((t, i) => {
      const block = (t.shape[axis] as number) * inner;
      const src = sources[i] as ArrayLike<Scalar>;
      for (let e = 0; e < block; e++) out[k++] = src[o * block + e] as Scalar;
    });
  }
  return [{ dtype: first.dtype, shape: outShape, data: { kind: 'dense', values: out as unknown as Float32Array } }];
};

const gatherKernel: ConstKernel = (ctx, inputs) => {
  const x = required(ctx, inputs, 0);
  const indicesT = required(ctx, inputs, 1);
  const rank = x.shape.length;
  if (rank === 0) throw fail(ctx, Codes.ShapeMismatch, 'Gather of a scalar');
  const axis = normAxis(ctx, intAttr(ctx.node, 'axis', 0), rank);
  const dim = x.shape[axis] as number;
  const indices = intList(indicesT).map((i) => {
    const j = i < 0 ? i + dim : i;
    if (!(j >= 0 && j < dim)) throw fail(ctx, Codes.ShapeMismatch, `Gather index ${i} is out of range for a dimension of ${dim}`);
    return j;
  });
  const outShape = [...x.shape.slice(0, axis), ...indicesT.shape, ...x.shape.slice(axis + 1)];
  const inner = elementCountOf(x.shape.slice(axis + 1));
  const per = indices.length * inner;
  return [
    gatherFlat(x, outShape, (k) => {
      const o = Math.floor(k / per);
      const r = k % per;
      const q = Math.floor(r / inner);
      return (o * dim + (indices[q] as number)) * inner + (r % inner);
    }),
  ];
};

const sliceKernel: ConstKernel = (ctx, inputs) => {
  const x = required(ctx, inputs, 0);
  const rank = x.shape.length;
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (ctx.opsetVersion < 10) {
    starts = [...(intsAttr(ctx.node, 'starts') ?? [])];
    ends = [...(intsAttr(ctx.node, 'ends') ?? [])];
    const a = intsAttr(ctx.node, 'axes');
    axes = a ? [...a] : undefined;
  } else {
    starts = intList(required(ctx, inputs, 1));
    ends = intList(required(ctx, inputs, 2));
    const a = valueOf(inputs, 3);
    axes = a ? intList(a) : undefined;
    const s = valueOf(inputs, 4);
    steps = s ? intList(s) : undefined;
  }
  const axesList = axes ?? starts.map((_, i) => i);
  if (ends.length !== starts.length || axesList.length !== starts.length || (steps && steps.length !== starts.length)) {
    throw fail(ctx, Codes.BadAttribute, 'Slice starts, ends, axes and steps differ in length');
  }
  const begin = x.shape.map(() => 0);
  const step = x.shape.map(() => 1);
  const outShape = [...x.shape];
  const seen = new Set<number>();
  axesList.forEach((a0, i) => {
    const a = normAxis(ctx, a0, rank);
    if (seen.has(a)) throw fail(ctx, Codes.BadAttribute, `Slice axis ${a0} repeats`);
    seen.add(a);
    const dim = x.shape[a] as number;
    const st = steps?.[i] ?? 1;
    if (st === 0) throw fail(ctx, Codes.BadAttribute, 'Slice step is 0');
    const b = sliceBounds(dim, starts[i]!, ends[i]!, st);
    begin[a] = b.start;
    step[a] = st;
    outShape[a] = b.count;
  });
  if (x.data.kind === 'splat') return [splat(x.dtype, outShape, x.data.value)];
  const inStrides = stridesOf(x.shape);
  const src = new Array<number>(elementCountOf(outShape));
  forEachIndex(outShape, (k, c) => {
    let f = 0;
    for (let j = 0; j < rank; j++) f += ((begin[j] as number) + (c[j] as number) * (step[j] as number)) * (inStrides[j] as number);
    src[k] = f;
  });
  return [gatherFlat(x, outShape, (k) => src[k] as number)];
};

type ReduceOp = 'ReduceProd' | 'ReduceSum' | 'ReduceMin' | 'ReduceMax';

function reduce(op: ReduceOp): ConstKernel {
  return (ctx, inputs) => {
    const x = required(ctx, inputs, 0);
    const rank = x.shape.length;
    const axesFromInput = op === 'ReduceSum' ? ctx.opsetVersion >= 13 : ctx.opsetVersion >= 18;
    const axesRaw = axesFromInput ? (valueOf(inputs, 1) ? intList(valueOf(inputs, 1) as ConstTensor) : undefined) : intsAttr(ctx.node, 'axes');
    const noop = intAttr(ctx.node, 'noop_with_empty_axes', 0) !== 0;
    if ((!axesRaw || axesRaw.length === 0) && noop) return [x];
    const axes = new Set(axesRaw && axesRaw.length > 0 ? axesRaw.map((a) => normAxis(ctx, a, rank)) : x.shape.map((_, i) => i));
    const keep = intAttr(ctx.node, 'keepdims', 1) !== 0;
    const outShape = reducedShape(x.shape, [...axes], keep);
    const keptShape = x.shape.map((d, i) => (axes.has(i) ? 1 : d));
    const n = elementCountOf(keptShape);
    const dtype: DType = x.dtype;
    if (dtype === 'string' || dtype === 'bool') throw new CannotFold(`${op} of ${dtype}`);
    const src = elements(x);
    const acc = new Array<Scalar | undefined>(n).fill(undefined);
    const outStrides = stridesOf(keptShape);
    forEachIndex(x.shape, (k, c) => {
      let o = 0;
      for (let j = 0; j < rank; j++) if (!axes.has(j)) o += (c[j] as number) * (outStrides[j] as number);
      const v = src[k] as Scalar;
      const a = acc[o];
      if (a === undefined) acc[o] = v;
      else if (typeof a === 'bigint' && typeof v === 'bigint') {
        acc[o] = op === 'ReduceProd' ? BigInt.asIntN(64, a * v) : op === 'ReduceSum' ? BigInt.asIntN(64, a + v) : op === 'ReduceMin' ? (v < a ? v : a) : v > a ? v : a;
      } else {
        const p = Number(a);
        const q = Number(v);
        acc[o] = op === 'ReduceProd' ? p * q : op === 'ReduceSum' ? p + q : op === 'ReduceMin' ? Math.min(p, q) : Math.max(p, q);
      }
    });
    const empty = op === 'ReduceProd' ? 1 : op === 'ReduceSum' ? 0 : undefined;
    if (acc.some((v) => v === undefined) && empty === undefined) throw new CannotFold(`${op} over an empty axis`);
    const values = acc.map((v) => convert(v ?? (empty as number), dtype));
    return [dense(dtype, outShape, values)];
  };
}

export const MOVEMENT_KERNELS: ReadonlyMap<string, ConstKernel> = new Map<string, ConstKernel>([
  ['Constant', constantKernel],
  ['ConstantOfShape', constantOfShapeKernel],
  ['Range', rangeKernel],
  ['Shape', shapeKernel],
  ['Size', sizeKernel],
  ['Identity', identityKernel],
  ['Reshape', reshapeKernel],
  ['Flatten', flattenKernel],
  ['Unsqueeze', unsqueezeKernel],
  ['Squeeze', squeezeKernel],
  ['Expand', expandKernel],
  ['Transpose', transposeKernel],
  ['Concat', concatKernel],
  ['Gather', gatherKernel],
  ['Slice', sliceKernel],
  ['ReduceProd', reduce('ReduceProd')],
  ['ReduceSum', reduce('ReduceSum')],
  ['ReduceMin', reduce('ReduceMin')],
  ['ReduceMax', reduce('ReduceMax')],
]);
