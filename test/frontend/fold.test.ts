import { describe, expect, it } from 'vitest';
import { MemplanError } from '../../src/diagnostics/errors.js';
import { foldableOps, MAX_FOLD_ELEMENTS } from '../../src/frontend/const-eval/index.js';
import { canFold, tryFold } from '../../src/frontend/fold-constants.js';
import type { ValueInfo } from '../../src/frontend/shape-inference/types.js';
import type { AttrValue, ConstTensor, DType } from '../../src/ir/graph.js';

type Attrs = Record<string, AttrValue>;

function fold(op: string, inputs: readonly (ConstTensor | ValueInfo | undefined)[], attrs: Attrs = {}, opsetVersion = 13, outputs = 1) {
  const infos = inputs.map((t) => (t === undefined ? undefined : 'data' in t ? { dtype: t.dtype, shape: t.shape, value: t } : t));
  const node = {
    name: `${op}_node`,
    opType: op,
    domain: '',
    inputs: inputs.map((_, i) => (inputs[i] === undefined ? '' : `in${i}`)),
    outputs: Array.from({ length: outputs }, (_, i) => `out${i}`),
    attributes: new Map(Object.entries(attrs)),
  };
  return tryFold({ node, opsetVersion, file: 'k.onnx' }, infos);
}

function one(op: string, inputs: readonly (ConstTensor | ValueInfo | undefined)[], attrs: Attrs = {}, opsetVersion = 13): ConstTensor {
  const r = fold(op, inputs, attrs, opsetVersion);
  expect(r).toBeDefined();
  return (r as readonly ConstTensor[])[0] as ConstTensor;
}

const i64 = (values: readonly (number | bigint)[], shape: readonly number[] = [values.length]): ConstTensor => ({
  dtype: 'int64',
  shape,
  data: { kind: 'dense', values: BigInt64Array.from(values, (v) => BigInt(v)) },
});
const f32 = (values: readonly number[], shape: readonly number[] = [values.length]): ConstTensor => ({
  dtype: 'float32',
  shape,
  data: { kind: 'dense', values: Float32Array.from(values) },
});
const splatOf = (dtype: DType, shape: readonly number[], value: number | bigint): ConstTensor => ({ dtype, shape, data: { kind: 'splat', value } });
const int = (value: number): AttrValue => ({ type: 'int', value });
const ints = (value: readonly number[]): AttrValue => ({ type: 'ints', value });

/** Elements as plain numbers (bigints converted) for compact assertions. */
function vals(t: ConstTensor): number[] {
  if (t.data.kind !== 'dense') throw new Error(`expected dense, got ${t.data.kind}`);
  return Array.from(t.data.values as ArrayLike<number | bigint>, Number);
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof MemplanError) return e.diagnostics[0]?.code ?? '';
    throw e;
  }
  return 'no error';
}

describe('constant folding kernels', () => {
  it('Shape and Size need only the static shape', () => {
    const x: ValueInfo = { dtype: 'float32', shape: [2, 3, 5] };
    expect(canFold('Shape', '', [x])).toBe(true);
    expect(vals(one('Shape', [x]))).toEqual([2, 3, 5]);
    expect(one('Shape', [x]).dtype).toBe('int64');
    expect(vals(one('Shape', [x], { start: int(-2) }, 15))).toEqual([3, 5]);
    expect(vals(one('Shape', [x], { start: int(1), end: int(2) }, 15))).toEqual([3]);
    expect(one('Size', [x])).toEqual({ dtype: 'int64', shape: [], data: { kind: 'dense', values: new BigInt64Array([30n]) } });
    // Any other op needs constant inputs.
    expect(canFold('Relu', '', [x])).toBe(false);
    expect(fold('Relu', [x])).toBeUndefined();
    expect(canFold('Conv', '', [f32([1])])).toBe(false);
  });

  it('Gather with negative indices and a matrix of indices', () => {
    expect(vals(one('Gather', [i64([10, 20, 30]), i64([-1], [])]))).toEqual([30]);
    expect(one('Gather', [i64([10, 20, 30]), i64([-1], [])]).shape).toEqual([]);
    const m = f32([0, 1, 2, 3, 4, 5], [2, 3]);
    const g = one('Gather', [m, i64([2, 0], [2])], { axis: int(1) });
    expect(g.shape).toEqual([2, 2]);
    expect(vals(g)).toEqual([2, 0, 5, 3]);
    expect(code(() => fold('Gather', [i64([1, 2]), i64([2], [])]))).toBe('MP303');
  });

  it('Unsqueeze/Squeeze with attribute (opset 11) and input (opset 13) axes', () => {
    expect(one('Unsqueeze', [i64([7], [])], { axes: ints([0]) }, 11).shape).toEqual([1]);
    expect(one('Unsqueeze', [f32([1, 2]), i64([0, -1])]).shape).toEqual([1, 2, 1]);
    expect(one('Squeeze', [f32([1, 2], [1, 2, 1])]).shape).toEqual([2]);
    expect(one('Squeeze', [f32([1, 2], [1, 2, 1]), i64([0])]).shape).toEqual([2, 1]);
    expect(code(() => fold('Squeeze', [f32([1, 2], [1, 2, 1]), i64([1])]))).toBe('MP303');
  });

  it('Concat, Reshape (0, -1, allowzero) and Flatten', () => {
    const c = one('Concat', [i64([1, 3]), i64([-1])], { axis: int(0) });
    expect(vals(c)).toEqual([1, 3, -1]);
    const m = one('Concat', [f32([1, 2], [2, 1]), f32([3, 4, 5, 6], [2, 2])], { axis: int(-1) });
    expect(m.shape).toEqual([2, 3]);
    expect(vals(m)).toEqual([1, 3, 4, 2, 5, 6]);
    const x = f32([0, 1, 2, 3, 4, 5], [1, 2, 3]);
    expect(one('Reshape', [x, i64([0, -1])]).shape).toEqual([1, 6]);
    expect(one('Reshape', [f32([], [0, 3]), i64([0, 3])], { allowzero: int(1) }).shape).toEqual([0, 3]);
    expect(code(() => fold('Reshape', [x, i64([4, -1])]))).toBe('MP303');
    expect(code(() => fold('Reshape', [x, i64([-1, -1])]))).toBe('MP303');
    expect(one('Flatten', [x], { axis: int(2) }).shape).toEqual([2, 3]);
    expect(one('Flatten', [x], { axis: int(0) }).shape).toEqual([1, 6]);
  });

  it('Slice with attributes (opset 9), inputs, negative steps and INT64_MAX ends', () => {
    const x = i64([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(vals(one('Slice', [x], { starts: ints([2]), ends: ints([5]) }, 9))).toEqual([2, 3, 4]);
    expect(vals(one('Slice', [x, i64([-3]), i64([9223372036854775807n])]))).toEqual([7, 8, 9]);
    expect(vals(one('Slice', [x, i64([-1]), i64([-9223372036854775807n]), i64([0]), i64([-3])]))).toEqual([9, 6, 3, 0]);
    const m = f32([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [3, 4]);
    const s = one('Slice', [m, i64([1, 1]), i64([3, 4]), i64([0, 1]), i64([1, 2])]);
    expect(s.shape).toEqual([2, 2]);
    expect(vals(s)).toEqual([5, 7, 9, 11]);
    expect(one('Slice', [x, i64([5]), i64([2])]).shape).toEqual([0]);
    expect(code(() => fold('Slice', [x, i64([0]), i64([2]), i64([0]), i64([0])]))).toBe('MP306');
  });

  it('Slice with a negative step clamps start to [0, dim-1] as the ONNX spec (and shape inference) say', () => {
    const x = i64([10, 11, 12, 13, 14]);
    // start -100 -> 0, end -200 -> -1: the first element only (numpy would give nothing).
    const s = one('Slice', [x, i64([-100]), i64([-200]), i64([0]), i64([-1])]);
    expect(s.shape).toEqual([1]);
    expect(vals(s)).toEqual([10]);
  });

  it('integer and float arithmetic with broadcasting', () => {
    expect(vals(one('Add', [i64([1, 2, 3]), i64([10], [])]))).toEqual([11, 12, 13]);
    expect(vals(one('Div', [i64([7, -7]), i64([2])]))).toEqual([3, -3]);
    expect(vals(one('Div', [f32([7, -7]), f32([2])]))).toEqual([3.5, -3.5]);
    expect(vals(one('Mul', [f32([1, 2], [2, 1]), f32([10, 20, 30], [1, 3])]))).toEqual([10, 20, 30, 20, 40, 60]);
    expect(vals(one('Sub', [i64([1n << 62n]), i64([1])]))).toEqual([Number((1n << 62n) - 1n)]);
    expect((one('Sub', [i64([1n << 62n]), i64([1])]).data as { values: BigInt64Array }).values[0]).toBe((1n << 62n) - 1n);
    // Integer division by zero is not folded: the node stays a runtime node.
    expect(fold('Div', [i64([1]), i64([0])])).toBeUndefined();
    expect(code(() => fold('Add', [i64([1]), f32([1])]))).toBe('MP303');
    expect(code(() => fold('Add', [f32([1, 2]), f32([1, 2, 3])]))).toBe('MP303');
  });

  it('comparisons, logic and Where', () => {
    const eq = one('Equal', [i64([1, 2, 3]), i64([2])]);
    expect(eq.dtype).toBe('bool');
    expect(vals(eq)).toEqual([0, 1, 0]);
    expect(vals(one('Less', [f32([1, 5]), f32([3, 3])]))).toEqual([1, 0]);
    expect(vals(one('Greater', [f32([1, 5]), f32([3, 3])]))).toEqual([0, 1]);
    expect(vals(one('Not', [eq]))).toEqual([1, 0, 1]);
    expect(vals(one('Where', [eq, i64([9]), i64([4, 5, 6])]))).toEqual([4, 9, 6]);
  });

  it('Range, Cast, unary math, Min/Max, ReduceProd', () => {
    const r = one('Range', [i64([0], []), i64([10], []), i64([3], [])]);
    expect(vals(r)).toEqual([0, 3, 6, 9]);
    expect(r.dtype).toBe('int64');
    expect(vals(one('Range', [f32([1], []), f32([0], []), f32([-0.5], [])]))).toEqual([1, 0.5]);
    expect(vals(one('Cast', [f32([1.7, -1.7, 0])], { to: int(7) }))).toEqual([1, -1, 0]);
    expect(one('Cast', [f32([1.7, -1.7, 0])], { to: int(9) }).dtype).toBe('bool');
    expect(vals(one('Cast', [f32([1.7, -1.7, 0])], { to: int(9) }))).toEqual([1, 1, 0]);
    expect(vals(one('Cast', [i64([3, 4])], { to: int(1) }))).toEqual([3, 4]);
    expect(fold('Cast', [f32([Number.NaN])], { to: int(7) })).toBeUndefined();
    expect(vals(one('Floor', [f32([1.5, -1.5])]))).toEqual([1, -2]);
    expect(vals(one('Ceil', [f32([1.5, -1.5])]))).toEqual([2, -1]);
    expect(vals(one('Sqrt', [f32([4, 9])]))).toEqual([2, 3]);
    expect(vals(one('Neg', [i64([4, -9])]))).toEqual([-4, 9]);
    expect(vals(one('Max', [i64([1, 5]), i64([3]), i64([2, 2])]))).toEqual([3, 5]);
    expect(vals(one('Min', [f32([1, 5]), f32([3])]))).toEqual([1, 3]);
    const p = one('ReduceProd', [i64([2, 3, 4, 5], [2, 2])], { axes: ints([1]), keepdims: int(0) });
    expect(p.shape).toEqual([2]);
    expect(vals(p)).toEqual([6, 20]);
    expect(vals(one('ReduceProd', [i64([2, 3, 4])], { keepdims: int(0) }))).toEqual([24]);
  });

  it('Transpose and Expand', () => {
    const t = one('Transpose', [f32([0, 1, 2, 3, 4, 5], [2, 3])]);
    expect(t.shape).toEqual([3, 2]);
    expect(vals(t)).toEqual([0, 3, 1, 4, 2, 5]);
    const t3 = one('Transpose', [f32([0, 1, 2, 3, 4, 5], [1, 2, 3])], { perm: ints([2, 0, 1]) });
    expect(t3.shape).toEqual([3, 1, 2]);
    expect(vals(t3)).toEqual([0, 3, 1, 4, 2, 5]);
    const e = one('Expand', [f32([1, 2], [2, 1]), i64([2, 3])]);
    expect(e.shape).toEqual([2, 3]);
    expect(vals(e)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(one('Expand', [f32([1, 2], [2, 1]), i64([1, 1])]).shape).toEqual([2, 1]);
  });

  it('keeps splats splat and never expands a large one', () => {
    const big = splatOf('float32', [1024, 1024, 64], 0.25); // 64 M elements
    expect(one('Identity', [big])).toEqual(big);
    expect(one('Reshape', [big, i64([-1])])).toEqual(splatOf('float32', [1024 * 1024 * 64], 0.25));
    expect(one('Unsqueeze', [big, i64([0])]).data).toEqual({ kind: 'splat', value: 0.25 });
    expect(one('Transpose', [big]).shape).toEqual([64, 1024, 1024]);
    expect(one('Cast', [big], { to: int(7) })).toEqual(splatOf('int64', [1024, 1024, 64], 0n));
    expect(one('Expand', [splatOf('float32', [1, 4], 2), i64([3, 1])])).toEqual(splatOf('float32', [3, 4], 2));
    expect(one('Mul', [big, splatOf('float32', [1], 4)])).toEqual(splatOf('float32', [1024, 1024, 64], 1));
    expect(one('Slice', [big, i64([0]), i64([10])]).shape).toEqual([10, 1024, 64]);
    expect(one('ConstantOfShape', [i64([4096, 4096, 64])], {
      value: { type: 'tensor', value: i64([3], [1]) },
    })).toEqual(splatOf('int64', [4096, 4096, 64], 3n));
    expect(one('ConstantOfShape', [i64([2])])).toEqual(splatOf('float32', [2], 0));
    // Mixing a big splat with dense data would expand it: declined, the node stays at run time.
    expect(MAX_FOLD_ELEMENTS).toBeLessThan(1024 * 1024 * 64);
    expect(fold('Add', [big, f32([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64])])).toBeUndefined();
  });

  it('reads every Constant attribute form; sparse values are unsupported', () => {
    expect(one('Constant', [], { value_int: int(5) })).toEqual(i64([5], []));
    expect(one('Constant', [], { value_ints: ints([1, 2]) })).toEqual(i64([1, 2]));
    expect(one('Constant', [], { value_float: { type: 'float', value: 0.5 } })).toEqual(f32([0.5], []));
    expect(one('Constant', [], { value: { type: 'tensor', value: f32([1, 2]) } })).toEqual(f32([1, 2]));
    expect(code(() => fold('Constant', [], { sparse_value: { type: 'other', value: {} } }))).toBe('MP301');
    expect(code(() => fold('Constant', [], {}))).toBe('MP306');
  });

  it('DequantizeLinear and QuantizeLinear, per tensor and per axis', () => {
    const w: ConstTensor = { dtype: 'int8', shape: [2, 2], data: { kind: 'dense', values: Int8Array.from([-128, 0, 10, 127]) } };
    const zp: ConstTensor = { dtype: 'int8', shape: [], data: { kind: 'dense', values: Int8Array.from([0]) } };
    const d = one('DequantizeLinear', [w, f32([0.5], []), zp]);
    expect(d.dtype).toBe('float32');
    expect(vals(d)).toEqual([-64, 0, 5, 63.5]);
    const perAxis = one('DequantizeLinear', [w, f32([1, 2])], { axis: int(0) });
    expect(vals(perAxis)).toEqual([-128, 0, 20, 254]);
    const q = one('QuantizeLinear', [f32([-1, 0.25, 0.75, 1000]), f32([0.5], [])]);
    expect(q.dtype).toBe('uint8');
    expect(vals(q)).toEqual([0, 0, 2, 255]);
    const qi = one('QuantizeLinear', [f32([-1, 0.25, 0.75, 1000]), f32([0.5], []), zp]);
    expect(vals(qi)).toEqual([-2, 0, 2, 127]);
  });

  it('lists the ops it folds', () => {
    const ops = foldableOps();
    for (const op of ['Shape', 'Size', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Reshape', 'Cast', 'Slice', 'Add', 'Sub',
      'Mul', 'Div', 'Equal', 'Less', 'Greater', 'Not', 'Where', 'Range', 'ConstantOfShape', 'Expand', 'Identity',
      'Transpose', 'Flatten', 'Floor', 'Ceil', 'Sqrt', 'Neg', 'Min', 'Max', 'ReduceProd', 'Constant']) {
      expect(ops).toContain(op);
    }
    expect(ops).not.toContain('RandomNormal');
    expect(ops).not.toContain('Conv');
  });
});
