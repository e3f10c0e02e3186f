/**
 * Less common ops (Einsum, losses, signal ops, ops sized by constant data such as NonZero, Unique,
 * Compress, OneHot) and the output validation every shape function goes through.
 */
import { describe, expect, it } from 'vitest';
import { Codes } from '../../src/diagnostics/codes.js';
import { InputError, UnsupportedError } from '../../src/diagnostics/errors.js';
import type { AttrValue, DType } from '../../src/ir/graph.js';
import { shapeFunctionFor } from '../../src/frontend/shape-inference/registry.js';
import type { OutputType, ValueInfo } from '../../src/frontend/shape-inference/types.js';
import { x, f32, int, ints, str, infer } from '../helpers/shape-infer.js';
import { errorOf } from './failure.js';

const i64 = (values: number[], shape: number[] = [values.length]): ValueInfo => ({
  dtype: 'int64', shape, value: { dtype: 'int64', shape, data: { kind: 'dense', values: BigInt64Array.from(values.map(BigInt)) } },
});

const shapes = (out: readonly OutputType[]): (readonly number[])[] => out.map((o) => o.shape);

describe('Einsum', () => {
  it.each([
    ['ij,jk->ik', [[2, 3], [3, 4]], [2, 4]],
    ['ij,jk', [[2, 3], [3, 4]], [2, 4]],
    ['ji', [[2, 3]], [3, 2]],
    ['i,i', [[5], [5]], []],
    ['...ii->...i', [[3, 2, 4, 4]], [3, 2, 4]],
    ['bij, bjk -> bik', [[7, 2, 3], [7, 3, 4]], [7, 2, 4]],
    ['...ij,...jk', [[2, 1, 3, 4], [5, 4, 6]], [2, 5, 3, 6]],
  ])('%s on %j -> %j', (equation, operandShapes, want) => {
    expect(shapes(infer('Einsum', operandShapes.map((s) => x(s)), { attrs: { equation: str(equation) } }))).toEqual([want]);
  });
  it('rejects mismatched labels and unknown output labels', () => {
    expect(errorOf(() => infer('Einsum', [x([2, 3]), x([4, 5])], { attrs: { equation: str('ij,jk->ik') } })).diagnostics[0]?.code)
      .toBe(Codes.ShapeMismatch);
    expect(errorOf(() => infer('Einsum', [x([2, 3])], { attrs: { equation: str('ij->iz') } })).diagnostics[0]?.code)
      .toBe(Codes.BadAttribute);
    expect(errorOf(() => infer('Einsum', [x([2, 3])], { attrs: { equation: str('ijk->i') } })).diagnostics[0]?.code)
      .toBe(Codes.ShapeMismatch);
  });
});

describe('losses and signal ops', () => {
  it('NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss', () => {
    const scores = x([3, 5, 2]);
    const labels = x([3, 2], 'int64');
    expect(shapes(infer('NegativeLogLikelihoodLoss', [scores, labels], { attrs: { reduction: str('none') } }))).toEqual([[3, 2]]);
    expect(shapes(infer('NegativeLogLikelihoodLoss', [scores, labels, x([5])]))).toEqual([[]]);
    expect(shapes(infer('SoftmaxCrossEntropyLoss', [scores, labels], { outputs: 2 }))).toEqual([[], [3, 5, 2]]);
    expect(errorOf(() => infer('SoftmaxCrossEntropyLoss', [scores, x([3], 'int64')])).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
  });
  it('windows, DFT, STFT, MelWeightMatrix', () => {
    expect(infer('HannWindow', [i64([10], [])], { attrs: { output_datatype: int(11) } })).toEqual([{ dtype: 'float64', shape: [10] }]);
    expect(shapes(infer('DFT', [x([2, 10, 1])]))).toEqual([[2, 10, 2]]);
    expect(shapes(infer('DFT', [x([2, 10, 1]), i64([16], [])], { attrs: { onesided: int(1) } }))).toEqual([[2, 9, 2]]);
    expect(shapes(infer('DFT', [x([2, 3, 10, 2])], { attrs: { axis: int(2) } }))).toEqual([[2, 3, 10, 2]]);
    expect(shapes(infer('STFT', [x([1, 128, 1]), i64([8], []), x([16])]))).toEqual([[1, 15, 9, 2]]);
    expect(shapes(infer('STFT', [x([1, 128, 1]), i64([8], []), undefined, i64([16], [])], { attrs: { onesided: int(0) } })))
      .toEqual([[1, 15, 16, 2]]);
    expect(shapes(infer('MelWeightMatrix', [i64([8], []), i64([16], []), i64([8192], []), f32([0], []), f32([4096], [])])))
      .toEqual([[9, 8]]);
  });
});

describe('ops sized by constant data', () => {
  it('NonZero counts non-zero elements of a constant, and refuses a run-time input', () => {
    expect(infer('NonZero', [f32([1, 0, 2, 0, 0, 3], [2, 3])])).toEqual([{ dtype: 'int64', shape: [2, 3] }]);
    const e = errorOf(() => infer('NonZero', [x([2, 3])]));
    expect(e).toBeInstanceOf(UnsupportedError);
    expect(e.diagnostics[0]?.code).toBe(Codes.SymbolicDim);
  });
  it('Unique over elements and along an axis', () => {
    expect(shapes(infer('Unique', [f32([2, 1, 1, 3, 4, 3])], { outputs: 4 }))).toEqual([[4], [4], [6], [4]]);
    const rows = f32([1, 0, 0, 1, 0, 0, 2, 3, 4], [3, 3]);
    expect(shapes(infer('Unique', [rows], { outputs: 4, attrs: { axis: int(0) } }))).toEqual([[2, 3], [2], [3], [2]]);
    expect(shapes(infer('Unique', [rows], { outputs: 4, attrs: { axis: int(1) } }))).toEqual([[3, 3], [3], [3], [3]]);
  });
  it('Compress and OneHot', () => {
    expect(shapes(infer('Compress', [x([3, 2]), i64([0, 1, 1])], { attrs: { axis: int(0) } }))).toEqual([[2, 2]]);
    expect(shapes(infer('Compress', [x([3, 2]), i64([0, 1, 1, 0, 1])]))).toEqual([[3]]);
    expect(infer('OneHot', [x([2, 3], 'int64'), f32([10], []), x([2], 'int32')], { attrs: { axis: int(1) } }))
      .toEqual([{ dtype: 'int32', shape: [2, 10, 3] }]);
  });
  it('Constant takes its type from whichever value attribute it carries', () => {
    const tensor: AttrValue = { type: 'tensor', value: { dtype: 'int8', shape: [2, 2], data: { kind: 'splat', value: 1 } } };
    expect(infer('Constant', [], { attrs: { value: tensor } })).toEqual([{ dtype: 'int8', shape: [2, 2] }]);
    expect(infer('Constant', [], { attrs: { value_ints: ints(1, 2, 3) } })).toEqual([{ dtype: 'int64', shape: [3] }]);
    expect(infer('Constant', [], { attrs: { value_float: { type: 'float', value: 1 } } })).toEqual([{ dtype: 'float32', shape: [] }]);
  });
});

describe('opset 18 additions and type checks', () => {
  it('GroupNormalization, CenterCropPad, MaxRoiPool, LpNormalization', () => {
    expect(shapes(infer('GroupNormalization', [x([2, 6, 4]), x([6]), x([6])], { opset: 18, attrs: { num_groups: int(3) } }))).toEqual([[2, 6, 4]]);
    expect(errorOf(() => infer('GroupNormalization', [x([2, 6, 4]), x([6]), x([6])], { opset: 18, attrs: { num_groups: int(4) } })).diagnostics[0]?.code)
      .toBe(Codes.BadAttribute);
    expect(shapes(infer('CenterCropPad', [x([20, 10, 3]), i64([10, 12])], { opset: 18, attrs: { axes: ints(0, 1) } }))).toEqual([[10, 12, 3]]);
    expect(shapes(infer('MaxRoiPool', [x([1, 8, 20, 20]), x([5, 5])], { attrs: { pooled_shape: ints(3, 4) } }))).toEqual([[5, 8, 3, 4]]);
    expect(shapes(infer('LpNormalization', [x([2, 3])]))).toEqual([[2, 3]]);
  });
  it('binary ops need one element type (Pow may mix)', () => {
    expect(errorOf(() => infer('Add', [x([2]), x([2], 'int64')])).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
    expect(errorOf(() => infer('Max', [x([2]), x([2]), x([1], 'float16')])).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
    expect(infer('Pow', [x([2, 2]), x([], 'int64')])).toEqual([{ dtype: 'float32', shape: [2, 2] }]);
  });
});

describe('elementwise and indexing details', () => {
  it('variadic ops broadcast from opset 8 and need equal shapes before', () => {
    expect(shapes(infer('Sum', [x([3, 1]), x([4]), x([1, 1])], { opset: 8 }))).toEqual([[3, 4]]);
    expect(errorOf(() => infer('Sum', [x([3, 1]), x([3, 4])], { opset: 6 })).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
    expect(shapes(infer('Mean', [x([2, 2])]))).toEqual([[2, 2]]);
  });
  it('Clip bounds must be scalars; Softmax axis must exist', () => {
    expect(shapes(infer('Clip', [x([2, 3]), undefined, x([])], { opset: 13 }))).toEqual([[2, 3]]);
    expect(errorOf(() => infer('Clip', [x([2, 3]), x([3])], { opset: 13 })).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
    expect(shapes(infer('Softmax', [x([2, 3, 4])], { opset: 11 }))).toEqual([[2, 3, 4]]);
    expect(errorOf(() => infer('Softmax', [x([2, 3])], { attrs: { axis: int(2) } })).diagnostics[0]?.code).toBe(Codes.BadAttribute);
  });
  it('Gather with a negative axis, GatherND with batch_dims, TopK bounds', () => {
    expect(shapes(infer('Gather', [x([3, 4, 5]), i64([0, 2])], { attrs: { axis: int(-1) } }))).toEqual([[3, 4, 2]]);
    expect(shapes(infer('GatherND', [x([2, 3, 4]), x([2, 1], 'int64')], { attrs: { batch_dims: int(1) } }))).toEqual([[2, 4]]);
    expect(shapes(infer('GatherND', [x([2, 3, 4]), x([5, 2], 'int64')]))).toEqual([[5, 4]]);
    expect(errorOf(() => infer('GatherND', [x([2, 3]), x([5, 3], 'int64')])).diagnostics[0]?.code).toBe(Codes.ShapeMismatch);
    expect(errorOf(() => infer('TopK', [x([3, 4]), i64([5])], { outputs: 2 })).diagnostics[0]?.code).toBe(Codes.BadDimension);
    expect(shapes(infer('TopK', [x([3, 4])], { opset: 9, outputs: 2, attrs: { k: int(2), axis: int(0) } }))).toEqual([[2, 4], [2, 4]]);
  });
  it('GridSample, RoiAlign, MaxUnpool, GRU', () => {
    expect(shapes(infer('GridSample', [x([2, 3, 8, 8]), x([2, 5, 6, 2])]))).toEqual([[2, 3, 5, 6]]);
    expect(shapes(infer('RoiAlign', [x([1, 16, 20, 20]), x([7, 4]), x([7], 'int64')], { attrs: { output_height: int(3), output_width: int(2) } })))
      .toEqual([[7, 16, 3, 2]]);
    expect(shapes(infer('MaxUnpool', [x([1, 2, 2, 2]), x([1, 2, 2, 2], 'int64')], { attrs: { kernel_shape: ints(2, 2), strides: ints(2, 2) } })))
      .toEqual([[1, 2, 4, 4]]);
    expect(shapes(infer('MaxUnpool', [x([1, 2, 2, 2]), x([1, 2, 2, 2], 'int64'), i64([1, 2, 5, 5])], { attrs: { kernel_shape: ints(2, 2) } })))
      .toEqual([[1, 2, 5, 5]]);
    expect(shapes(infer('GRU', [x([4, 1, 3]), x([1, 15, 3]), x([1, 15, 5])], { outputs: 2 }))).toEqual([[4, 1, 1, 5], [1, 1, 5]]);
  });
});

describe('output validation', () => {
  it('sizes past 2^53 bytes are MP305, not a wrong number', () => {
    const e = errorOf(() => infer('Expand', [x([1]), i64([2 ** 26, 2 ** 26, 2 ** 2])]));
    expect(e).toBeInstanceOf(InputError);
    expect(e.diagnostics[0]?.code).toBe(Codes.TooLarge);
  });
  it('a constant parameter that is too large is refused before it is read', () => {
    const huge: ValueInfo = { dtype: 'int64', shape: [1 << 30], value: { dtype: 'int64', shape: [1 << 30], data: { kind: 'splat', value: 1n } } };
    expect(errorOf(() => infer('Reshape', [x([4]), huge]))).toBeInstanceOf(UnsupportedError);
  });
  it('a missing required input is named', () => {
    expect(errorOf(() => infer('MatMul', [x([2, 2]), undefined])).message).toMatch(/required input 1 \(B\)/);
  });
});
