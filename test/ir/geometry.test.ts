/**
 * The one geometry module (src/ir/geometry.ts) and the typed attribute readers (src/ir/attributes.ts):
 * padding, kernel spans, output sizes and slice bounds, with the values ONNX and TFLite define.
 */
import { describe, expect, it } from 'vitest';
import type { AttrValue } from '../../src/ir/graph.js';
import { floatAttr, floatsAttr, intAttr, intsAttr, intsAttrOr, stringAttr, strictAttr } from '../../src/ir/attributes.js';
import {
  effectiveKernel, resolvePad, resolvePads, sliceBounds, sliceCount, stridedSliceBounds, stridedSliceMasks, tflitePadding,
  transposedOutputSize, windowAttrs, windowKernel, windowOutputSize, windowSpan,
} from '../../src/ir/geometry.js';

const attrs = (entries: [string, AttrValue][]): { attributes: ReadonlyMap<string, AttrValue> } => ({ attributes: new Map(entries) });

describe('window geometry', () => {
  it('spans a dilated kernel and a run of windows', () => {
    expect(effectiveKernel(3, 1)).toBe(3);
    expect(effectiveKernel(3, 2)).toBe(5);
    expect(windowSpan(1, 3, 2, 1)).toBe(3);
    expect(windowSpan(4, 3, 2, 2)).toBe(11);
  });

  it('resolves SAME_UPPER, SAME_LOWER, VALID and explicit pads', () => {
    // 7 inputs, kernel 4, stride 2 -> 4 outputs need (4-1)*2 + 4 - 7 = 3 pad elements.
    expect(resolvePad('SAME_UPPER', 7, 4, 4, 2, 1)).toEqual([1, 2]);
    expect(resolvePad('SAME_LOWER', 7, 4, 4, 2, 1)).toEqual([2, 1]);
    expect(resolvePad('VALID', 7, 2, 4, 2, 1, [5, 5])).toEqual([0, 0]);
    expect(resolvePad('NOTSET', 7, 4, 4, 2, 1, [3, 1])).toEqual([3, 1]);
    // Never negative: more input than the windows read.
    expect(resolvePad('SAME_UPPER', 10, 1, 3, 1, 1)).toEqual([0, 0]);
    expect(resolvePads('SAME_UPPER', { inSizes: [5, 6], outSizes: [5, 3], kernel: [3, 3], strides: [1, 2], dilations: [1, 1] }))
      .toEqual({ begin: [1, 0], end: [1, 1] });
    expect(resolvePads('NOTSET', { inSizes: [5, 6], outSizes: [5, 3], kernel: [3, 3], strides: [1, 2], dilations: [1, 1], pads: [1, 2, 3, 4] }))
      .toEqual({ begin: [1, 2], end: [3, 4] });
  });

  it('sizes outputs as ONNX does, ceil_mode included', () => {
    expect(windowOutputSize('SAME_UPPER', 7, 3, 2, 1)).toBe(4);
    expect(windowOutputSize('VALID', 7, 3, 2, 1)).toBe(3);
    expect(windowOutputSize('NOTSET', 7, 3, 2, 1, 1, 1)).toBe(4);
    expect(windowOutputSize('NOTSET', 2, 3, 1, 1)).toBe(0);
    // ceil_mode: a last partial window counts unless it would start in the end padding.
    expect(windowOutputSize('NOTSET', 6, 3, 2, 1, 0, 0, true)).toBe(3);
    expect(windowOutputSize('NOTSET', 5, 2, 2, 1, 0, 1, true)).toBe(3);
    expect(windowOutputSize('NOTSET', 4, 2, 2, 1, 0, 1, true)).toBe(2);
    expect(transposedOutputSize(3, 3, 2, 1, 1, 1, 1)).toBe(6);
  });

  it('maps TFLite padding to SAME_UPPER (odd element last) and VALID', () => {
    expect(tflitePadding('SAME')).toBe('SAME_UPPER');
    expect(tflitePadding('VALID')).toBe('VALID');
    // TFLite VALID: ceil((in - span + 1) / stride), the same count as ONNX's floor((in - span) / stride) + 1
    // wherever the window fits (where it does not, both importers reject the model).
    for (let n = 3; n < 20; n++) {
      for (const s of [1, 2, 3]) expect(windowOutputSize('VALID', n, 3, s, 1)).toBe(Math.ceil((n - 3 + 1) / s));
    }
  });

  it('reads window attributes with their defaults', () => {
    expect(windowAttrs(attrs([]), 2)).toEqual({ strides: [1, 1], dilations: [1, 1], autoPad: 'NOTSET', pads: [0, 0, 0, 0] });
    const n = attrs([['strides', { type: 'ints', value: [2, 2] }], ['auto_pad', { type: 'string', value: 'SAME_LOWER' }]]);
    expect(windowAttrs(n, 2)).toMatchObject({ strides: [2, 2], autoPad: 'SAME_LOWER' });
    expect(windowKernel(attrs([]), [8, 4, 3, 5])).toEqual([3, 5]);
    expect(windowKernel(attrs([['kernel_shape', { type: 'ints', value: [2, 2] }]]), [8, 4, 3, 5])).toEqual([2, 2]);
  });
});

describe('slice bounds', () => {
  it('clamps ONNX Slice starts and ends', () => {
    expect(sliceBounds(10, 2, 8, 1)).toEqual({ start: 2, end: 8, count: 6 });
    expect(sliceBounds(10, -3, 100, 1)).toEqual({ start: 7, end: 10, count: 3 });
    expect(sliceBounds(10, 0, 10, 3)).toEqual({ start: 0, end: 10, count: 4 });
    // Negative step: start clamps to [0, dim-1], end to [-1, dim-1].
    expect(sliceBounds(10, 100, -100, -1)).toEqual({ start: 9, end: -1, count: 10 });
    expect(sliceBounds(10, -1, -4, -2)).toEqual({ start: 9, end: 6, count: 2 });
    expect(sliceBounds(0, 0, 5, 1).count).toBe(0);
    expect(sliceBounds(0, 0, -5, -1).count).toBe(0);
    expect(sliceCount(5, 2, 1)).toBe(0);
  });

  it('applies TFLite STRIDED_SLICE masks and clamping', () => {
    const none = { beginMask: 0, endMask: 0, shrinkAxisMask: 0, offset: false };
    expect(stridedSliceBounds(10, 2, 8, 2, 0, none)).toEqual({ start: 2, end: 8, step: 2, count: 3 });
    expect(stridedSliceBounds(10, 5, 8, 1, 1, { ...none, beginMask: 2, endMask: 2 })).toEqual({ start: 0, end: 10, step: 1, count: 10 });
    // TFLite clamps a negative-stride start to [-1, dim-1] (ONNX to [0, dim-1]).
    expect(stridedSliceBounds(10, -20, 0, -1, 0, none)).toEqual({ start: -1, end: 0, step: -1, count: 0 });
    expect(stridedSliceBounds(10, 3, 0, 5, 0, { ...none, shrinkAxisMask: 1 })).toEqual({ start: 3, end: 4, step: 1, count: 1 });
    expect(stridedSliceBounds(10, 2, 3, 1, 0, { ...none, offset: true })).toEqual({ start: 2, end: 5, step: 1, count: 3 });
    const m = stridedSliceMasks(attrs([['begin_mask', { type: 'int', value: 5 }], ['offset', { type: 'int', value: 1 }]]));
    expect(m).toEqual({ beginMask: 5, endMask: 0, shrinkAxisMask: 0, offset: true });
  });
});

describe('attribute readers', () => {
  const n = attrs([
    ['i', { type: 'int', value: 3 }],
    ['f', { type: 'float', value: 0.5 }],
    ['s', { type: 'string', value: 'x' }],
    ['is', { type: 'ints', value: [1, 2] }],
    ['fs', { type: 'floats', value: [0.25] }],
  ]);

  it('give typed defaults for absent attributes and convert int to float and lists', () => {
    expect(intAttr(n, 'i', 0)).toBe(3);
    expect(intAttr(n, 'missing', 7)).toBe(7);
    expect(intAttr(n, 'f', 7)).toBe(7);
    expect(floatAttr(n, 'f', 0)).toBe(0.5);
    expect(floatAttr(n, 'i', 0)).toBe(3);
    expect(stringAttr(n, 's', 'd')).toBe('x');
    expect(stringAttr(n, 'i', 'd')).toBe('d');
    expect(intsAttr(n, 'is')).toEqual([1, 2]);
    expect(intsAttr(n, 'i')).toEqual([3]);
    expect(intsAttr(n, 'f')).toBeUndefined();
    expect(floatsAttr(n, 'fs')).toEqual([0.25]);
    expect(floatsAttr(n, 'is')).toEqual([1, 2]);
    expect(intsAttrOr(n, 'missing', 3, 1)).toEqual([1, 1, 1]);
    expect(intAttr(n.attributes, 'i', 0)).toBe(3);
  });

  it('strict reads report an attribute of the wrong type through the caller', () => {
    const bad = (expected: string, got: AttrValue): never => {
      throw new Error(`must be ${expected}, got ${got.type}`);
    };
    expect(strictAttr(n, 'i', 'int', bad)).toBe(3);
    expect(strictAttr(n, 'missing', 'int', bad)).toBeUndefined();
    expect(() => strictAttr(n, 'f', 'int', bad)).toThrow('must be an integer, got float');
    expect(() => strictAttr(n, 's', 'ints', bad)).toThrow('must be a list of integers, got string');
  });
});
