/**
 * Per-op shape functions: hand-computed tricky cases (window arithmetic, broadcasting, Slice, Reshape,
 * Resize, Split, Pad, reductions) and the error paths.
 */
import { describe, expect, it } from 'vitest';
import { Codes } from '../../src/diagnostics/codes.js';
import { InputError, MemplanError, UnsupportedError } from '../../src/diagnostics/errors.js';
import type { AttrValue, DType } from '../../src/ir/graph.js';
import { broadcastShapes } from '../../src/frontend/shape-inference/broadcast.js';
import { shapeFunctionFor, SUPPORTED_OPS } from '../../src/frontend/shape-inference/registry.js';
import type { OutputType, ValueInfo } from '../../src/frontend/shape-inference/types.js';
import { x, int, ints, str, infer, shapeOf } from '../helpers/shape-infer.js';

// ------------------------------------------------------------------ builders



/** Runs `f`, expects a MemplanError of `cls` with `code` that names the node. */
function expectError(f: () => unknown, cls: typeof InputError | typeof UnsupportedError, code: string): void {
  let caught: unknown;
  try { f(); } catch (e) { caught = e; }
  expect(caught).toBeInstanceOf(cls);
  const d = (caught as MemplanError).diagnostics[0];
  expect(d?.code).toBe(code);
  expect(d?.location?.node).toMatch(/_0$/);
}

// ------------------------------------------------------------------ tests

describe('registry', () => {
  it('finds default-domain ops only', () => {
    expect(shapeFunctionFor('Conv', '')).toBeDefined();
    expect(shapeFunctionFor('Conv', 'ai.onnx')).toBeDefined();
    expect(shapeFunctionFor('Conv', 'com.microsoft')).toBeUndefined();
    expect(shapeFunctionFor('NoSuchOp', '')).toBeUndefined();
  });
  it('lists supported ops sorted, including the issue\'s set', () => {
    expect([...SUPPORTED_OPS]).toEqual([...SUPPORTED_OPS].sort());
    const required = ('Conv ConvTranspose Gemm MatMul BatchNormalization Relu LeakyRelu PRelu Clip Sigmoid HardSigmoid ' +
      'HardSwish Tanh Softmax Add Sub Mul Div Pow Sqrt Max Min Sum Mean MaxPool AveragePool GlobalAveragePool ' +
      'GlobalMaxPool LRN Concat Split Slice Reshape Flatten Transpose Squeeze Unsqueeze Pad Resize Upsample ReduceMean ' +
      'ReduceMax ReduceSum Dropout Identity Cast Shape Gather ConstantOfShape Expand Where Equal Less Greater ' +
      'QuantizeLinear DequantizeLinear QLinearConv QLinearMatMul LSTM Log Neg').split(' ');
    expect(required.filter((op) => !SUPPORTED_OPS.includes(op))).toEqual([]);
  });
});

describe('broadcasting', () => {
  const at = { node: 'n', opType: 'Add' };
  it.each([
    [[2, 3, 4], [3, 1], [2, 3, 4]],
    [[1], [], [1]],
    [[0], [1], [0]],
    [[5, 1, 4], [1, 3, 1], [5, 3, 4]],
    [[], [], []],
  ])('%j with %j -> %j', (a, b, want) => {
    expect(broadcastShapes(a, b, at)).toEqual(want);
  });
  it('rejects incompatible shapes with MP303 at the given location', () => {
    expect(() => broadcastShapes([2, 3], [3, 2], at)).toThrow(InputError);
    expect(() => broadcastShapes([0], [3], at)).toThrow(/cannot be broadcast/);
    expectError(() => infer('Add', [x([2, 3]), x([4])]), InputError, Codes.ShapeMismatch);
  });
  it('comparisons give bool, Where takes X\'s type over three shapes', () => {
    expect(infer('Less', [x([2, 1]), x([3])])).toEqual([{ dtype: 'bool', shape: [2, 3] }]);
    expect(infer('Where', [x([1, 3], 'bool'), x([2, 1], 'int32'), x([], 'int32')])).toEqual([{ dtype: 'int32', shape: [2, 3] }]);
  });
  it('opset 6 uses the legacy axis broadcast', () => {
    expect(shapeOf('Add', [x([2, 3, 4, 5]), x([3, 4])], { opset: 6, attrs: { broadcast: int(1), axis: int(1) } })).toEqual([2, 3, 4, 5]);
    expectError(() => infer('Add', [x([2, 3]), x([3])], { opset: 6 }), InputError, Codes.ShapeMismatch);
  });
  it('PRelu slope broadcasts one way only', () => {
    expect(shapeOf('PRelu', [x([1, 8, 5, 5]), x([8, 1, 1])])).toEqual([1, 8, 5, 5]);
    expectError(() => infer('PRelu', [x([1, 8]), x([2, 8])]), InputError, Codes.ShapeMismatch);
  });
});

describe('Conv and ConvTranspose', () => {
  const w = x([8, 3, 3, 3]);
  it.each([
    ['SAME_UPPER', {}, [1, 8, 4, 4]],
    ['SAME_LOWER', {}, [1, 8, 4, 4]],
    ['VALID', {}, [1, 8, 3, 3]],
    ['NOTSET', { pads: ints(1, 1, 1, 1) }, [1, 8, 4, 4]],
    ['NOTSET', { pads: ints(0, 0, 1, 1) }, [1, 8, 3, 3]],
    ['NOTSET', { dilations: ints(2, 2) }, [1, 8, 2, 2]],
  ])('7x7 input, 3x3 kernel, stride 2, auto_pad %s %j', (autoPad, extra, want) => {
    const attrs = { auto_pad: str(autoPad), strides: ints(2, 2), ...extra };
    expect(infer('Conv', [x([1, 3, 7, 7]), w], { attrs })).toEqual([{ dtype: 'float32', shape: want }]);
  });
  it('depthwise conv with group; channel mismatch is an error', () => {
    expect(shapeOf('Conv', [x([1, 8, 5, 5]), x([8, 1, 3, 3])], { attrs: { group: int(8) } })).toEqual([1, 8, 3, 3]);
    expectError(() => infer('Conv', [x([1, 4, 5, 5]), w]), InputError, Codes.ShapeMismatch);
    expectError(() => infer('Conv', [x([1, 3, 2, 2]), w]), InputError, Codes.BadDimension);
  });
  it('kernel_shape must agree with the weights', () => {
    expectError(() => infer('Conv', [x([1, 3, 7, 7]), w], { attrs: { kernel_shape: ints(5, 5) } }), InputError, Codes.ShapeMismatch);
  });
  it('1-D conv with bias', () => {
    expect(shapeOf('Conv', [x([2, 4, 16]), x([6, 4, 5]), x([6])], { attrs: { strides: ints(3) } })).toEqual([2, 6, 4]);
  });
  it.each([
    [{ strides: ints(3, 2), output_padding: ints(1, 1) }, [1, 2, 10, 8]],
    [{ strides: ints(3, 2), output_shape: ints(10, 8) }, [1, 2, 10, 8]],
    [{ strides: ints(3, 2), pads: ints(1, 2, 1, 2) }, [1, 2, 7, 3]],
    [{ strides: ints(2, 2), auto_pad: str('SAME_UPPER') }, [1, 2, 6, 6]],
    [{ dilations: ints(2, 2) }, [1, 2, 7, 7]],
  ])('ConvTranspose 3x3 input, 3x3 kernel, %j', (attrs, want) => {
    expect(shapeOf('ConvTranspose', [x([1, 1, 3, 3]), x([1, 2, 3, 3])], { attrs })).toEqual(want);
  });
  it('ConvTranspose with groups multiplies output channels', () => {
    expect(shapeOf('ConvTranspose', [x([1, 4, 3, 3]), x([4, 3, 2, 2])], { attrs: { group: int(2), strides: ints(2, 2) } })).toEqual([1, 6, 6, 6]);
  });
  it('QLinearConv is typed by y_zero_point, ConvInteger gives int32', () => {
    const q = (shape: number[], dtype: DType): ValueInfo => x(shape, dtype);
    const inputs = [q([1, 3, 7, 7], 'uint8'), q([], 'float32'), q([], 'uint8'), q([8, 3, 3, 3], 'int8'), q([], 'float32'),
      q([], 'int8'), q([], 'float32'), q([], 'int8')];
    expect(infer('QLinearConv', inputs)).toEqual([{ dtype: 'int8', shape: [1, 8, 5, 5] }]);
    expect(infer('ConvInteger', [q([1, 3, 7, 7], 'uint8'), q([8, 3, 3, 3], 'uint8')])).toEqual([{ dtype: 'int32', shape: [1, 8, 5, 5] }]);
  });
});

describe('pooling', () => {
  it.each([
    [[4, 4], { kernel_shape: ints(3, 3), strides: ints(2, 2) }, [1, 1]],
    [[4, 4], { kernel_shape: ints(3, 3), strides: ints(2, 2), ceil_mode: int(1) }, [2, 2]],
    // ceil_mode never starts a window in the end padding: ceil(5/2)+1 = 4 would, so 3.
    [[6, 6], { kernel_shape: ints(1, 1), strides: ints(2, 2), ceil_mode: int(1) }, [3, 3]],
    [[5, 5], { kernel_shape: ints(2, 2), strides: ints(2, 2), auto_pad: str('SAME_UPPER') }, [3, 3]],
    [[5, 5], { kernel_shape: ints(2, 2), strides: ints(2, 2), auto_pad: str('VALID') }, [2, 2]],
    [[32, 32], { kernel_shape: ints(5, 5), pads: ints(2, 2, 2, 2) }, [32, 32]],
    [[10, 10], { kernel_shape: ints(2, 2), dilations: ints(3, 3) }, [7, 7]],
  ])('MaxPool on %j with %j', (hw, attrs, want) => {
    const out = infer('MaxPool', [x([1, 3, ...hw])], { attrs, outputs: 2 });
    expect(out).toEqual([{ dtype: 'float32', shape: [1, 3, ...want] }, { dtype: 'int64', shape: [1, 3, ...want] }]);
  });
  it('AveragePool needs kernel_shape; global pools keep N and C', () => {
    expectError(() => infer('AveragePool', [x([1, 3, 8, 8])]), InputError, Codes.BadAttribute);
    expect(shapeOf('GlobalAveragePool', [x([2, 7, 9, 5])])).toEqual([2, 7, 1, 1]);
    expect(shapeOf('GlobalMaxPool', [x([2, 7, 9])])).toEqual([2, 7, 1]);
    expect(shapeOf('LRN', [x([1, 16, 5, 5])], { attrs: { size: int(5) } })).toEqual([1, 16, 5, 5]);
  });
});

describe('Gemm and MatMul', () => {
  it('Gemm transposes and checks C', () => {
    expect(shapeOf('Gemm', [x([4, 3]), x([5, 4]), x([5])], { attrs: { transA: int(1), transB: int(1) } })).toEqual([3, 5]);
    expectError(() => infer('Gemm', [x([3, 4]), x([4, 5]), x([3])]), InputError, Codes.ShapeMismatch);
    expectError(() => infer('Gemm', [x([3, 4]), x([5, 4])]), InputError, Codes.ShapeMismatch);
  });
  it.each([
    [[3], [3], []],
    [[2, 3, 4], [4], [2, 3]],
    [[4], [2, 4, 5], [2, 5]],
    [[2, 1, 3, 4], [5, 4, 6], [2, 5, 3, 6]],
  ])('MatMul %j x %j -> %j', (a, b, want) => {
    expect(shapeOf('MatMul', [x(a), x(b)])).toEqual(want);
  });
  it('MatMul rejects mismatched inner dims; QLinearMatMul is typed by y_zero_point', () => {
    expectError(() => infer('MatMul', [x([2, 3]), x([4, 2])]), InputError, Codes.ShapeMismatch);
    const u8 = (s: number[]): ValueInfo => x(s, 'uint8');
    expect(infer('QLinearMatMul', [u8([2, 4]), x([]), u8([]), u8([4, 3]), x([]), u8([]), x([]), u8([])]))
      .toEqual([{ dtype: 'uint8', shape: [2, 3] }]);
  });
});
