/**
 * Shape-manipulating ops: Slice, Reshape, Resize/Upsample, Split, Pad, Squeeze/Unsqueeze across
 * opsets, reductions, and the data-dependence error for non-constant shape inputs.
 */
import { describe, expect, it } from 'vitest';
import { Codes } from '../../src/diagnostics/codes.js';
import { UnsupportedError } from '../../src/diagnostics/errors.js';
import type { AttrValue, DType } from '../../src/ir/graph.js';
import { shapeFunctionFor } from '../../src/frontend/shape-inference/registry.js';
import type { OutputType, ValueInfo } from '../../src/frontend/shape-inference/types.js';
import { x, f32, int, ints, str, floats, infer, shapeOf } from '../helpers/shape-infer.js';
import { errorOf } from './failure.js';

const i64 = (values: (number | bigint)[], shape: number[] = [values.length]): ValueInfo => ({
  dtype: 'int64', shape, value: { dtype: 'int64', shape, data: { kind: 'dense', values: BigInt64Array.from(values.map((v) => BigInt(v))) } },
});
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;


describe('Slice', () => {
  const data = x([20, 10, 5]);
  const slice = (starts: (number | bigint)[], ends: (number | bigint)[], axes?: number[], steps?: number[]) =>
    shapeOf('Slice', [data, i64(starts), i64(ends), axes && i64(axes), steps && i64(steps)]);
  it.each([
    [[0, 0], [3, 10], undefined, undefined, [3, 10, 5]],
    [[-1], [INT64_MIN], [0], [-1], [20, 10, 5]],
    [[10], [2], [0], [-3], [3, 10, 5]],
    [[-5], [100], [1], undefined, [20, 5, 5]],
    [[5], [3], [2], undefined, [20, 10, 0]],
    [[1], [INT64_MAX], [-1], [2], [20, 10, 2]],
    // ends -1 is the last element (9), not 'before the start': nothing is taken.
    [[INT64_MAX], [-1], [1], [-1], [20, 0, 5]],
    [[INT64_MAX], [INT64_MIN], [1], [-4], [20, 3, 5]],
    [[0], [-1], [0], [7], [3, 10, 5]],
  ])('slice case %#', (starts, ends, axes, steps, want) => {
    expect(slice(starts, ends, axes, steps)).toEqual(want);
  });
  it('takes attributes before opset 10', () => {
    expect(shapeOf('Slice', [data], { opset: 9, attrs: { starts: ints(1, -3), ends: ints(1000, -1), axes: ints(0, 2) } }))
      .toEqual([19, 10, 2]);
  });
  it('rejects step 0 and a repeated axis', () => {
    expect(errorOf(() => slice([0], [1], [0], [0])).diagnostics[0]?.code).toBe(Codes.BadAttribute);
    expect(errorOf(() => slice([0, 0], [1, 1], [0, -3])).diagnostics[0]?.code).toBe(Codes.BadAttribute);
  });
  it('needs constant starts and ends (MP302 naming the node)', () => {
    const e = errorOf(() => infer('Slice', [data, x([1], 'int64'), i64([2])]));
    expect(e).toBeInstanceOf(UnsupportedError);
    expect(e.diagnostics[0]?.code).toBe(Codes.SymbolicDim);
    expect(e.message).toMatch(/depends on run-time data.*Slice_0/);
  });
});

describe('Reshape and friends', () => {
  it.each([
    [[2, 3, 4], [0, -1], [2, 12]],
    [[2, 3, 4], [-1, 4], [6, 4]],
    [[2, 3, 4], [4, 0, 2], [4, 3, 2]],
    [[2, 3, 4], [24], [24]],
    [[1, 6], [], null],
  ])('Reshape %j to %j', (input, target, want) => {
    if (want === null) {
      expect(errorOf(() => shapeOf('Reshape', [x(input), i64(target)])).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
    } else {
      expect(shapeOf('Reshape', [x(input), i64(target)])).toEqual(want);
    }
  });
  it('allowzero keeps a literal 0', () => {
    expect(shapeOf('Reshape', [x([0, 3, 4]), i64([3, 4, 0])], { attrs: { allowzero: int(1) } })).toEqual([3, 4, 0]);
    // Without allowzero the 0 copies input dimension 2 (4): 48 elements for an empty input.
    expect(errorOf(() => shapeOf('Reshape', [x([0, 3, 4]), i64([3, 4, 0])])).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
  });
  it('rejects two -1, a size mismatch and a non-constant target', () => {
    expect(errorOf(() => shapeOf('Reshape', [x([2, 3]), i64([-1, -1])])).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
    expect(errorOf(() => shapeOf('Reshape', [x([2, 3]), i64([4, -1])])).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
    expect(errorOf(() => shapeOf('Reshape', [x([2, 3]), i64([-2, 3])])).diagnostics[0]?.code).toBe(Codes.BadDimension);
    const e = errorOf(() => shapeOf('Reshape', [x([2, 3]), x([2], 'int64')]));
    expect(e).toBeInstanceOf(UnsupportedError);
    expect(e.diagnostics[0]).toMatchObject({ code: Codes.SymbolicDim, location: { node: 'Reshape_0', opType: 'Reshape' } });
  });
  it('Flatten, Transpose, Squeeze and Unsqueeze across opsets', () => {
    expect(shapeOf('Flatten', [x([2, 3, 4, 5])], { attrs: { axis: int(0) } })).toEqual([1, 120]);
    expect(shapeOf('Flatten', [x([2, 3, 4, 5])], { attrs: { axis: int(-1) } })).toEqual([24, 5]);
    expect(shapeOf('Flatten', [x([2, 3, 4, 5])], { attrs: { axis: int(4) } })).toEqual([120, 1]);
    expect(shapeOf('Transpose', [x([2, 3, 4])])).toEqual([4, 3, 2]);
    expect(shapeOf('Transpose', [x([2, 3, 4])], { attrs: { perm: ints(1, 2, 0) } })).toEqual([3, 4, 2]);
    expect(errorOf(() => shapeOf('Transpose', [x([2, 3, 4])], { attrs: { perm: ints(0, 0, 1) } })).diagnostics[0]?.code).toBe(Codes.BadAttribute);
    expect(shapeOf('Squeeze', [x([1, 3, 1, 5])], { opset: 11, attrs: { axes: ints(-2) } })).toEqual([1, 3, 5]);
    expect(shapeOf('Squeeze', [x([1, 3, 1, 5]), i64([0])], { opset: 13 })).toEqual([3, 1, 5]);
    expect(shapeOf('Squeeze', [x([1, 3, 1, 5])], { opset: 13 })).toEqual([3, 5]);
    expect(errorOf(() => shapeOf('Squeeze', [x([1, 3]), i64([1])])).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
    expect(shapeOf('Unsqueeze', [x([3, 4, 5])], { opset: 11, attrs: { axes: ints(0, 4) } })).toEqual([1, 3, 4, 5, 1]);
    expect(shapeOf('Unsqueeze', [x([3, 4]), i64([-1])], { opset: 13 })).toEqual([3, 4, 1]);
    expect(shapeOf('Unsqueeze', [x([]), i64([0])], { opset: 13 })).toEqual([1]);
  });
  it('DepthToSpace and SpaceToDepth', () => {
    expect(shapeOf('DepthToSpace', [x([1, 8, 2, 3])], { attrs: { blocksize: int(2), mode: str('CRD') } })).toEqual([1, 2, 4, 6]);
    expect(shapeOf('SpaceToDepth', [x([1, 2, 4, 6])], { attrs: { blocksize: int(2) } })).toEqual([1, 8, 2, 3]);
    expect(errorOf(() => shapeOf('SpaceToDepth', [x([1, 2, 5, 6])], { attrs: { blocksize: int(2) } })).diagnostics[0]?.code)
      .toBe(Codes.ShapeMismatch);
  });
});

describe('Resize and Upsample', () => {
  const img = x([1, 3, 4, 4]);
  it('scales floor, sizes are taken as given', () => {
    expect(shapeOf('Resize', [img, undefined, f32([1, 1, 0.6, 0.6])], { opset: 13 })).toEqual([1, 3, 2, 2]);
    expect(shapeOf('Resize', [img, f32([]), f32([1, 1, 2, 3])], { opset: 11 })).toEqual([1, 3, 8, 12]);
    expect(shapeOf('Resize', [img, f32([]), f32([]), i64([1, 3, 3, 5])], { opset: 11 })).toEqual([1, 3, 3, 5]);
    expect(shapeOf('Resize', [img, f32([1, 1, 1.5, 0.5])], { opset: 10 })).toEqual([1, 3, 6, 2]);
  });
  it('opset 18 axes and keep_aspect_ratio_policy', () => {
    const attrs = { axes: ints(2, 3), keep_aspect_ratio_policy: str('not_larger') };
    expect(shapeOf('Resize', [img, undefined, undefined, i64([7, 8])], { opset: 18, attrs })).toEqual([1, 3, 7, 7]);
    const smaller = { axes: ints(2, 3), keep_aspect_ratio_policy: str('not_smaller') };
    expect(shapeOf('Resize', [img, undefined, undefined, i64([7, 8])], { opset: 18, attrs: smaller })).toEqual([1, 3, 8, 8]);
    expect(shapeOf('Resize', [img, undefined, f32([0.5, 2])], { opset: 18, attrs: { axes: ints(-1, -2) } })).toEqual([1, 3, 8, 2]);
  });
  it('exactly one of scales and sizes', () => {
    expect(errorOf(() => shapeOf('Resize', [img, undefined, f32([1, 1, 2, 2]), i64([1, 3, 8, 8])], { opset: 13 })).diagnostics[0]?.code)
      .toBe(Codes.ShapeMismatch);
    expect(errorOf(() => shapeOf('Resize', [img], { opset: 13 })).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
    expect(errorOf(() => shapeOf('Resize', [img, undefined, x([4])], { opset: 13 }))).toBeInstanceOf(UnsupportedError);
  });
  it('Upsample: attribute scales at opset 7, input at 9', () => {
    expect(shapeOf('Upsample', [img], { opset: 7, attrs: { scales: floats(1, 1, 2, 3) } })).toEqual([1, 3, 8, 12]);
    expect(shapeOf('Upsample', [img, f32([1, 1, 2, 2])], { opset: 9 })).toEqual([1, 3, 8, 8]);
  });
});

describe('Split, Concat, Pad, Expand, Tile', () => {
  const data = x([2, 7]);
  const parts = (out: readonly OutputType[]) => out.map((o) => o.shape);
  it('Split by attribute (opset 11), input (13), equal parts and num_outputs (18)', () => {
    expect(parts(infer('Split', [data], { opset: 11, outputs: 2, attrs: { axis: int(1), split: ints(3, 4) } }))).toEqual([[2, 3], [2, 4]]);
    expect(parts(infer('Split', [data, i64([2, 5])], { opset: 13, outputs: 2, attrs: { axis: int(-1) } }))).toEqual([[2, 2], [2, 5]]);
    expect(parts(infer('Split', [data], { opset: 13, outputs: 2 }))).toEqual([[1, 7], [1, 7]]);
    expect(parts(infer('Split', [data], { opset: 18, outputs: 3, attrs: { axis: int(1), num_outputs: int(3) } }))).toEqual([[2, 3], [2, 3], [2, 1]]);
    expect(errorOf(() => infer('Split', [data], { opset: 13, outputs: 3, attrs: { axis: int(1) } })).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
    expect(errorOf(() => infer('Split', [data, i64([2, 2])], { opset: 13, outputs: 2, attrs: { axis: int(1) } })).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
  });
  it('Concat adds the axis and checks the rest', () => {
    expect(shapeOf('Concat', [x([2, 3]), x([2, 5]), x([2, 0])], { attrs: { axis: int(-1) } })).toEqual([2, 8]);
    expect(errorOf(() => shapeOf('Concat', [x([2, 3]), x([3, 3])], { attrs: { axis: int(1) } })).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
    expect(errorOf(() => shapeOf('Concat', [x([2, 3])])).diagnostics[0]?.code).toBe(Codes.BadAttribute);
  });
  it('Pad: attributes before opset 11, inputs after, negative pads crop, axes at 18', () => {
    expect(shapeOf('Pad', [x([2, 3])], { opset: 2, attrs: { pads: ints(0, 1, 0, 2), mode: str('reflect') } })).toEqual([2, 6]);
    expect(shapeOf('Pad', [x([2, 3]), i64([1, -1, 0, 0]), f32([0])], { opset: 11 })).toEqual([3, 2]);
    expect(shapeOf('Pad', [x([1, 2, 3]), i64([2, 2]), undefined, i64([-1])], { opset: 18, attrs: { mode: str('edge') } })).toEqual([1, 2, 7]);
    expect(errorOf(() => shapeOf('Pad', [x([2, 3]), i64([0, -4, 0, 0])], { opset: 11 })).diagnostics[0]?.code).toBe(Codes.BadDimension);
    expect(shapeOf('Pad', [x([2, 3]), i64([0, -3, 0, 0])], { opset: 11 })).toEqual([2, 0]);
    expect(errorOf(() => shapeOf('Pad', [x([2, 3]), i64([0, 0, 0, 0])], { opset: 11, attrs: { mode: str('mirror') } }))).toBeInstanceOf(UnsupportedError);
  });
  it('Expand broadcasts both ways; Tile multiplies', () => {
    expect(shapeOf('Expand', [x([3, 1]), i64([2, 1, 6])])).toEqual([2, 3, 6]);
    expect(errorOf(() => shapeOf('Expand', [x([3, 2]), i64([4])])).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
    expect(shapeOf('Tile', [x([2, 3]), i64([3, 0])])).toEqual([6, 0]);
  });
});

describe('reductions', () => {
  const data = x([2, 3, 4]);
  it('axes attribute (opset 13) with and without keepdims', () => {
    expect(shapeOf('ReduceMean', [data], { opset: 13, attrs: { axes: ints(1, -1) } })).toEqual([2, 1, 1]);
    expect(shapeOf('ReduceMean', [data], { opset: 13, attrs: { axes: ints(1), keepdims: int(0) } })).toEqual([2, 4]);
    expect(shapeOf('ReduceMax', [data], { opset: 13, attrs: { keepdims: int(0) } })).toEqual([]);
  });
  it('axes input (ReduceSum 13, others 18) and noop_with_empty_axes', () => {
    expect(shapeOf('ReduceSum', [data, i64([0])], { opset: 13 })).toEqual([1, 3, 4]);
    expect(shapeOf('ReduceSum', [data, i64([])], { opset: 13, attrs: { noop_with_empty_axes: int(1) } })).toEqual([2, 3, 4]);
    expect(shapeOf('ReduceSum', [data, i64([])], { opset: 13 })).toEqual([1, 1, 1]);
    expect(shapeOf('ReduceMax', [data, i64([2])], { opset: 18, attrs: { keepdims: int(0) } })).toEqual([2, 3]);
    expect(errorOf(() => shapeOf('ReduceMax', [data, x([1], 'int64')], { opset: 18 }))).toBeInstanceOf(UnsupportedError);
    expect(errorOf(() => shapeOf('ReduceMean', [data], { opset: 13, attrs: { axes: ints(3) } })).diagnostics[0]?.code).toBe(Codes.BadAttribute);
  });
  it('ArgMax gives int64', () => {
    expect(infer('ArgMax', [data], { attrs: { axis: int(-2), keepdims: int(0) } })).toEqual([{ dtype: 'int64', shape: [2, 4] }]);
  });
});

describe('tensors, types and multi-output ops', () => {
  it('Gather, Shape, ConstantOfShape, Range, Cast', () => {
    expect(shapeOf('Gather', [x([3, 4, 5]), i64([0, 1, 2, 0], [2, 2])], { attrs: { axis: int(1) } })).toEqual([3, 2, 2, 5]);
    expect(shapeOf('Gather', [x([3, 4]), i64([1], [])])).toEqual([4]);
    expect(infer('Shape', [x([2, 3, 4, 5])], { opset: 15, attrs: { start: int(-3), end: int(-1) } })).toEqual([{ dtype: 'int64', shape: [2] }]);
    expect(infer('Shape', [x([2, 3])])).toEqual([{ dtype: 'int64', shape: [2] }]);
    expect(infer('Size', [x([2, 3])])).toEqual([{ dtype: 'int64', shape: [] }]);
    const int32Zero: AttrValue = { type: 'tensor', value: { dtype: 'int32', shape: [1], data: { kind: 'splat', value: 0 } } };
    expect(infer('ConstantOfShape', [i64([2, 5])], { attrs: { value: int32Zero } })).toEqual([{ dtype: 'int32', shape: [2, 5] }]);
    expect(infer('ConstantOfShape', [i64([])])).toEqual([{ dtype: 'float32', shape: [] }]);
    expect(infer('Range', [f32([1], []), f32([2], []), f32([0.3], [])])).toEqual([{ dtype: 'float32', shape: [4] }]);
    expect(shapeOf('Range', [i64([10], []), i64([4], []), i64([-3], [])])).toEqual([2]);
    expect(infer('Cast', [x([2, 3])], { attrs: { to: int(7) } })).toEqual([{ dtype: 'int64', shape: [2, 3] }]);
    expect(infer('CastLike', [x([2, 3]), x([], 'float16')])).toEqual([{ dtype: 'float16', shape: [2, 3] }]);
  });
  it('Dropout mask, TopK, BatchNormalization training outputs, LayerNormalization statistics', () => {
    expect(infer('Dropout', [x([2, 3])], { outputs: 2 })).toEqual([{ dtype: 'float32', shape: [2, 3] }, { dtype: 'bool', shape: [2, 3] }]);
    expect(infer('TopK', [x([3, 8]), i64([2])], { outputs: 2 })).toEqual([{ dtype: 'float32', shape: [3, 2] }, { dtype: 'int64', shape: [3, 2] }]);
    const c = x([4]);
    expect(infer('BatchNormalization', [x([2, 4, 5]), c, c, c, c], { opset: 15, outputs: 3, attrs: { training_mode: int(1) } }))
      .toEqual([{ dtype: 'float32', shape: [2, 4, 5] }, { dtype: 'float32', shape: [4] }, { dtype: 'float32', shape: [4] }]);
    expect(errorOf(() => infer('BatchNormalization', [x([2, 3, 5]), c, c, c, c])).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
    expect(infer('LayerNormalization', [x([2, 3, 4]), x([4])], { outputs: 3, attrs: { axis: int(-1) } })).toEqual([
      { dtype: 'float32', shape: [2, 3, 4] }, { dtype: 'float32', shape: [2, 3, 1] }, { dtype: 'float32', shape: [2, 3, 1] },
    ]);
  });
  it('quantisation types', () => {
    expect(infer('QuantizeLinear', [x([2, 3]), x([])])).toEqual([{ dtype: 'uint8', shape: [2, 3] }]);
    expect(infer('QuantizeLinear', [x([2, 3]), x([]), x([], 'int8')])).toEqual([{ dtype: 'int8', shape: [2, 3] }]);
    expect(infer('DequantizeLinear', [x([2, 3], 'int8'), x([])])).toEqual([{ dtype: 'float32', shape: [2, 3] }]);
    expect(infer('DynamicQuantizeLinear', [x([2, 3])], { outputs: 3 })).toEqual([
      { dtype: 'uint8', shape: [2, 3] }, { dtype: 'float32', shape: [] }, { dtype: 'uint8', shape: [] },
    ]);
  });
  it('LSTM: bidirectional, both layouts', () => {
    const inputs = [x([5, 2, 10]), x([2, 64, 10]), x([2, 64, 16])];
    const attrs = { direction: str('bidirectional'), hidden_size: int(16) };
    expect(infer('LSTM', inputs, { outputs: 3, attrs }).map((o) => o.shape)).toEqual([[5, 2, 2, 16], [2, 2, 16], [2, 2, 16]]);
    const batchFirst = [x([2, 5, 10]), x([1, 64, 10]), x([1, 64, 16])];
    expect(infer('LSTM', batchFirst, { opset: 14, outputs: 2, attrs: { layout: int(1) } }).map((o) => o.shape)).toEqual([[2, 5, 1, 16], [2, 1, 16]]);
    expect(errorOf(() => infer('LSTM', inputs, { attrs: { hidden_size: int(16) } })).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
  });
});
