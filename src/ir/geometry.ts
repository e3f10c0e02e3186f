/**
 * Window and slice geometry, the one copy every stage uses: shape inference (output sizes), constant
 * folding (slice bounds), graph rewrites (slice offsets), tiling templates (input halos and top
 * padding) and codegen (pads of the kernels, slice starts, TFLite strided slices).
 *
 * Conventions: sizes are per spatial dimension; pads are ONNX's (begin..., end...) lists; a window of
 * kernel k and dilation d spans (k-1)*d + 1 input elements. SAME padding puts the odd element at the
 * end (SAME_UPPER, TFLite's SAME) or at the beginning (SAME_LOWER).
 */
import type { AttrSource } from './attributes.js';
import { intAttr, intsAttr, intsAttrOr, stringAttr } from './attributes.js';

export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';

/** Input elements a dilated kernel covers: (k-1)*d + 1. */
export function effectiveKernel(kernel: number, dilation: number): number {
  return (kernel - 1) * dilation + 1;
}

/** Input elements a run of `outputs` consecutive windows reads: (outputs-1)*stride + the kernel span. */
export function windowSpan(outputs: number, kernel: number, stride: number, dilation: number): number {
  return (outputs - 1) * stride + effectiveKernel(kernel, dilation);
}

/** Total padding SAME needs so that `outSize` windows fit over `inSize` elements (never negative). */
export function samePadTotal(inSize: number, outSize: number, kernel: number, stride: number, dilation: number): number {
  return Math.max(0, windowSpan(outSize, kernel, stride, dilation) - inSize);
}

/** One dimension's [begin, end] padding: SAME_* from the sizes, VALID none, anything else `explicit`. */
export function resolvePad(
  autoPad: string,
  inSize: number,
  outSize: number,
  kernel: number,
  stride: number,
  dilation: number,
  explicit: readonly [number, number] = [0, 0],
): [number, number] {
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const total = samePadTotal(inSize, outSize, kernel, stride, dilation);
    const small = Math.floor(total / 2);
    const begin = autoPad === 'SAME_UPPER' ? small : total - small;
    return [begin, total - begin];
  }
  if (autoPad === 'VALID') return [0, 0];
  return [explicit[0], explicit[1]];
}

export interface WindowGeometry {
  /** Spatial input and output sizes. */
  readonly inSizes: readonly number[];
  readonly outSizes: readonly number[];
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** Explicit ONNX pads (begin..., end...), used unless auto_pad says otherwise; zeros when absent. */
  readonly pads?: readonly number[];
}

/** Begin and end padding of every spatial dimension (resolvePad per dimension). */
export function resolvePads(autoPad: string, g: WindowGeometry): { begin: number[]; end: number[] } {
  const n = g.inSizes.length;
  const begin: number[] = [];
  const end: number[] = [];
  for (let d = 0; d < n; d++) {
    const [b, e] = resolvePad(autoPad, g.inSizes[d]!, g.outSizes[d]!, g.kernel[d]!, g.strides[d]!, g.dilations[d]!, [g.pads?.[d] ?? 0, g.pads?.[d + n] ?? 0]);
    begin.push(b);
    end.push(e);
  }
  return { begin, end };
}

/**
 * Output size of a window sliding over `inSize` elements. SAME_*: ceil(in/stride); VALID: the windows
 * that fit unpadded; otherwise the windows that fit with the explicit pads, where ceil_mode counts a
 * last partial window unless it would start in the end padding. May be < 1: callers report that.
 */
export function windowOutputSize(autoPad: string, inSize: number, kernel: number, stride: number, dilation: number, padBegin = 0, padEnd = 0, ceilMode = false): number {
  const eff = effectiveKernel(kernel, dilation);
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(inSize / stride);
  if (autoPad === 'VALID') return Math.floor((inSize - eff) / stride) + 1;
  const span = inSize + padBegin + padEnd - eff;
  if (span < 0) return 0;
  if (!ceilMode) return Math.floor(span / stride) + 1;
  const o = Math.ceil(span / stride) + 1;
  return (o - 1) * stride >= inSize + padBegin ? o - 1 : o;
}

/** Output size of a transposed window (ConvTranspose, MaxUnpool): stride*(in-1) + outputPadding + span - pads. */
export function transposedOutputSize(inSize: number, kernel: number, stride: number, dilation: number, padBegin: number, padEnd: number, outputPadding = 0): number {
  return stride * (inSize - 1) + outputPadding + effectiveKernel(kernel, dilation) - padBegin - padEnd;
}

/** TFLite's `padding` option as an ONNX auto_pad: SAME is SAME_UPPER, EXPLICIT NOTSET (the `pads` attribute), anything else VALID. */
export function tflitePadding(padding: string): AutoPad {
  return padding === 'SAME' ? 'SAME_UPPER' : padding === EXPLICIT_PADDING ? 'NOTSET' : 'VALID';
}

/**
 * The `padding` of a TFLite CONV_2D / DEPTHWISE_CONV_2D that a PAD was folded into (graph-opt's
 * fold-pad): not a TFLite value; its `pads` attribute (top, left, bottom, right, ONNX's begin..., end...
 * order over NHWC dims 1 and 2) gives the padding. The padded positions read as the input's zero point.
 */
export const EXPLICIT_PADDING = 'EXPLICIT';

/**
 * [begin, end] padding of a TFLite window layer along NHWC dim 1 (rows) or 2 (columns): SAME and
 * VALID from the sizes, EXPLICIT from the `pads` attribute.
 */
export function tflitePad(node: AttrSource, dim: 1 | 2, inSize: number, outSize: number, kernel: number, stride: number, dilation: number): [number, number] {
  const padding = stringAttr(node, 'padding', 'SAME');
  const pads = padding === EXPLICIT_PADDING ? intsAttrOr(node, 'pads', 4, 0) : [0, 0, 0, 0];
  return resolvePad(tflitePadding(padding), inSize, outSize, kernel, stride, dilation, [pads[dim - 1]!, pads[dim + 1]!]);
}

/** The window attributes of a Conv or pool node with their defaults (stride 1, dilation 1, no pads). */
export interface WindowAttrs {
  readonly strides: number[];
  readonly dilations: number[];
  /** auto_pad as written (NOTSET when absent). */
  readonly autoPad: string;
  /** Explicit pads (begin..., end...), zeros when absent. */
  readonly pads: number[];
}

export function windowAttrs(node: AttrSource, spatialRank: number): WindowAttrs {
  return {
    strides: intsAttrOr(node, 'strides', spatialRank, 1),
    dilations: intsAttrOr(node, 'dilations', spatialRank, 1),
    autoPad: stringAttr(node, 'auto_pad', 'NOTSET'),
    pads: intsAttrOr(node, 'pads', 2 * spatialRank, 0),
  };
}

/** A window's kernel: the kernel_shape attribute, else the spatial dims of the weights ([M, C, k...]). */
export function windowKernel(node: AttrSource, weightShape: readonly number[] | undefined): readonly number[] | undefined {
  return intsAttr(node, 'kernel_shape') ?? weightShape?.slice(2);
}

/** Elements a slice from `start` to `end` (exclusive, both clamped) with `step` takes. */
export function sliceCount(start: number, end: number, step: number): number {
  return step > 0 ? Math.max(0, Math.ceil((end - start) / step)) : Math.max(0, Math.ceil((start - end) / -step));
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/**
 * ONNX Slice along one axis of size `dim`: negative indices count from the end; with a positive step
 * start and end clamp to [0, dim], with a negative one start to [0, dim-1] and end to [-1, dim-1].
 */
export function sliceBounds(dim: number, start: number, end: number, step: number): { start: number; end: number; count: number } {
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = clamp(s, 0, dim);
    e = clamp(e, 0, dim);
  } else {
    s = clamp(s, 0, dim - 1);
    e = clamp(e, -1, dim - 1);
  }
  return { start: s, end: e, count: sliceCount(s, e, step) };
}

/** TFLite STRIDED_SLICE's masks and offset flag (bit i of a mask is axis i). */
export interface StridedSliceMasks {
  readonly beginMask: number;
  readonly endMask: number;
  readonly shrinkAxisMask: number;
  /** end is relative to begin. */
  readonly offset: boolean;
}

/**
 * TFLite STRIDED_SLICE along axis `i` of size `dim`: start, (exclusive) end, step and count after the
 * masks and TFLite's clamping (start and end to [0, dim] for a positive stride, [-1, dim-1] for a
 * negative one). A shrunk axis takes the one element at start. `stride` must not be 0.
 */
export function stridedSliceBounds(dim: number, begin: number, end: number, stride: number, i: number, m: StridedSliceMasks): { start: number; end: number; step: number; count: number } {
  const bit = (mask: number): boolean => ((mask >> i) & 1) !== 0;
  let start = bit(m.beginMask) ? (stride > 0 ? 0 : dim - 1) : begin;
  if (start < 0) start += dim;
  start = stride > 0 ? clamp(start, 0, dim) : clamp(start, -1, dim - 1);
  if (bit(m.shrinkAxisMask)) return { start, end: start + 1, step: 1, count: 1 };
  let stop = bit(m.endMask) ? (stride > 0 ? dim : -1) : m.offset ? begin + end : end;
  if (!bit(m.endMask) && stop < 0) stop += dim;
  stop = stride > 0 ? clamp(stop, 0, dim) : clamp(stop, -1, dim - 1);
  return { start, end: stop, step: stride, count: sliceCount(start, stop, stride) };
}

/** The masks of a STRIDED_SLICE node's attributes. */
export function stridedSliceMasks(node: AttrSource): StridedSliceMasks {
  return {
    beginMask: intAttr(node, 'begin_mask', 0),
    endMask: intAttr(node, 'end_mask', 0),
    shrinkAxisMask: intAttr(node, 'shrink_axis_mask', 0),
    offset: intAttr(node, 'offset', 0) !== 0,
  };
}

/** The rows dimension of a window layer's activations: 1 in NHWC (TFLite), 2 in NCHW. */
export function intRowsDim(node: { readonly domain: string }): number {
  return node.domain === 'tflite' ? 1 : 2;
}

/**
 * Filter size, stride, dilation and padding before, along the rows (NHWC dim 1) or the columns
 * (dim 2) of a TFLite window layer, from the sizes of that dim in the input and the output.
 */
export function tfliteRowWindow(input: { readonly node: AttrSource & { readonly opType: string; readonly inputs: readonly string[] }; readonly graph: { readonly weights: ReadonlyMap<string, { readonly shape: readonly number[] }> } }, inSize: number, outSize: number, dim: 1 | 2 = 1): { kernel: number; stride: number; dilation: number; pad: number } | undefined {
  const n = input.node;
  const hw = dim === 1 ? 'h' : 'w';
  let kernel: number;
  if (n.opType === 'CONV_2D' || n.opType === 'DEPTHWISE_CONV_2D') {
    const ws = input.graph.weights.get(n.inputs[1] ?? '')?.shape;
    if (!ws || ws.length !== 4) return undefined;
    kernel = ws[dim]!;
  } else {
    kernel = intAttr(n, `filter_${hw}`, 1);
  }
  const stride = intAttr(n, `stride_${hw}`, 1);
  const dilation = n.opType === 'CONV_2D' || n.opType === 'DEPTHWISE_CONV_2D' ? intAttr(n, `dilation_${hw}`, 1) : 1;
  const [pad] = tflitePad(n, dim, inSize, outSize, kernel, stride, dilation);
  return { kernel, stride, dilation, pad };
}

/** The NHWC dim a TFLite window layer is split along: its rows, or its columns when it has one row (convolutions). */
export function tfliteSplitDim(node: { readonly opType: string }, outShape: readonly number[]): 1 | 2 {
  return outShape[1] === 1 && (node.opType === 'CONV_2D' || node.opType === 'DEPTHWISE_CONV_2D') ? 2 : 1;
}
