/**
 * Shape functions of the TFLite operators memplan supports (NHWC layout, TFLite's conventions):
 * each returns the output shapes the operator computes from its inputs, and the importer checks them
 * against the shapes the file declares. A mismatch or an impossible operand is a ShapeError.
 */
import type { AttrValue } from '../../ir/graph.js';
import { axisAttr, intAttr, intsAttrOr, stringAttr } from '../../ir/attributes.js';
import { EXPLICIT_PADDING, stridedSliceBounds, stridedSliceMasks, tflitePadding, windowOutputSize } from '../../ir/geometry.js';

export class ShapeError extends Error {}

/** What a shape function sees of one input (undefined: an omitted optional input). */
export interface OperandView {
  readonly shape: readonly number[];
  /** Integer contents of a constant input (int32/int64 constants only). */
  readonly ints?: readonly number[];
}

export interface OpShapeView {
  readonly opName: string;
  readonly attrs: ReadonlyMap<string, AttrValue>;
  readonly inputs: readonly (OperandView | undefined)[];
  /** The shapes the file declares for the outputs (used where TFLite takes them as given, e.g. RESHAPE). */
  readonly declared: readonly (readonly number[])[];
}

type ShapeFn = (v: OpShapeView) => (readonly number[])[];

function int(v: OpShapeView, name: string, dflt: number): number {
  return intAttr(v.attrs, name, dflt);
}

function str(v: OpShapeView, name: string, dflt: string): string {
  return stringAttr(v.attrs, name, dflt);
}

function input(v: OpShapeView, i: number, what: string): OperandView {
  const x = v.inputs[i];
  if (!x) throw new ShapeError(`input ${i} (${what}) is missing`);
  return x;
}

function rank(x: OperandView, r: number, what: string): readonly number[] {
  if (x.shape.length !== r) throw new ShapeError(`${what} has rank ${x.shape.length}, expected ${r}`);
  return x.shape;
}

function ints(v: OpShapeView, i: number, what: string): readonly number[] {
  const x = input(v, i, what);
  if (!x.ints) throw new ShapeError(`input ${i} (${what}) must be an int32 constant`);
  return x.ints;
}

function positive(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new ShapeError(`${what} is ${n}, must be at least 1`);
  return n;
}

/**
 * TFLite's output size of a windowed op: SAME ceil(in/stride), VALID the windows that fit unpadded,
 * EXPLICIT (a convolution a PAD was folded into) the windows that fit with its `pads`.
 */
function windowOut(inSize: number, kernel: number, stride: number, dilation: number, padding: string, pads: readonly [number, number]): number {
  const out = windowOutputSize(tflitePadding(padding), inSize, kernel, stride, dilation, pads[0], pads[1]);
  if (out < 1) throw new ShapeError(`a ${kernel}-wide window (dilation ${dilation}) does not fit an input of ${inSize}`);
  return out;
}

function spatial(v: OpShapeView, x: readonly number[], kh: number, kw: number): [number, number] {
  const sh = positive(int(v, 'stride_h', 1), 'stride_h');
  const sw = positive(int(v, 'stride_w', 1), 'stride_w');
  const dh = positive(int(v, 'dilation_h', 1), 'dilation_h');
  const dw = positive(int(v, 'dilation_w', 1), 'dilation_w');
  const pad = str(v, 'padding', 'SAME');
  const pads = pad === EXPLICIT_PADDING ? intsAttrOr(v.attrs, 'pads', 4, 0) : [0, 0, 0, 0];
  if (pads.length !== 4 || pads.some((p) => !Number.isSafeInteger(p) || p < 0)) throw new ShapeError(`explicit pads [${pads.join(',')}] must be 4 values >= 0`);
  return [windowOut(x[1]!, kh, sh, dh, pad, [pads[0]!, pads[2]!]), windowOut(x[2]!, kw, sw, dw, pad, [pads[1]!, pads[3]!])];
}

function checkBias(v: OpShapeView, i: number, channels: number): void {
  const b = v.inputs[i];
  if (b && b.shape.reduce((a, c) => a * c, 1) !== channels) throw new ShapeError(`bias has shape [${b.shape.join(',')}], expected ${channels} values`);
}

/** Numpy-style broadcast of two shapes. */
export function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new ShapeError(`shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

const same: ShapeFn = (v) => [input(v, 0, 'input').shape];

const conv2d: ShapeFn = (v) => {
  const x = rank(input(v, 0, 'input'), 4, 'input');
  const w = rank(input(v, 1, 'filter'), 4, 'filter');
  positive(w[3]!, 'filter input channels');
  if (x[3]! % w[3]! !== 0) throw new ShapeError(`input has ${x[3]} channels, not a multiple of the filter's ${w[3]}`);
  if (w[0]! % (x[3]! / w[3]!) !== 0) throw new ShapeError(`${w[0]} output channels do not split into ${x[3]! / w[3]!} groups`);
  checkBias(v, 2, w[0]!);
  const [oh, ow] = spatial(v, x, w[1]!, w[2]!);
  return [[x[0]!, oh, ow, w[0]!]];
};

const depthwise: ShapeFn = (v) => {
  const x = rank(input(v, 0, 'input'), 4, 'input');
  const w = rank(input(v, 1, 'filter'), 4, 'filter');
  const m = positive(int(v, 'depth_multiplier', 1), 'depth_multiplier');
  if (w[0] !== 1) throw new ShapeError(`depthwise filter has shape [${w.join(',')}], expected [1,KH,KW,C]`);
  // TFLite derives the multiplier from the shapes (the option is sometimes 0 in old files).
  const mult = w[3]! / x[3]!;
  if (!Number.isInteger(mult) || mult < 1) throw new ShapeError(`filter has ${w[3]} channels, not a multiple of the input's ${x[3]}`);
  void m;
  checkBias(v, 2, w[3]!);
  const [oh, ow] = spatial(v, x, w[1]!, w[2]!);
  return [[x[0]!, oh, ow, w[3]!]];
};

const pool: ShapeFn = (v) => {
  const x = rank(input(v, 0, 'input'), 4, 'input');
  const kh = positive(int(v, 'filter_h', 1), 'filter_h');
  const kw = positive(int(v, 'filter_w', 1), 'filter_w');
  const [oh, ow] = spatial(v, x, kh, kw);
  return [[x[0]!, oh, ow, x[3]!]];
};

const transposeConv: ShapeFn = (v) => {
  const outShape = ints(v, 0, 'output_shape');
  const w = rank(input(v, 1, 'filter'), 4, 'filter');
  const x = rank(input(v, 2, 'input'), 4, 'input');
  if (outShape.length !== 4) throw new ShapeError(`output_shape has ${outShape.length} values, expected 4`);
  if (w[3] !== x[3]) throw new ShapeError(`filter reads ${w[3]} channels, input has ${x[3]}`);
  if (outShape[3] !== w[0] || outShape[0] !== x[0]) throw new ShapeError(`output_shape [${outShape.join(',')}] disagrees with filter [${w.join(',')}] and input [${x.join(',')}]`);
  checkBias(v, 3, w[0]!);
  // The input must be what a forward convolution of the output would give.
  const [ih, iw] = spatial(v, [outShape[0]!, positive(outShape[1]!, 'output height'), positive(outShape[2]!, 'output width'), outShape[3]!], w[1]!, w[2]!);
  if (ih !== x[1] || iw !== x[2]) throw new ShapeError(`input ${x[1]}x${x[2]} does not match output ${outShape[1]}x${outShape[2]} at these strides`);
  return [outShape];
};

const fullyConnected: ShapeFn = (v) => {
  const x = input(v, 0, 'input').shape;
  const w = rank(input(v, 1, 'weights'), 2, 'weights');
  const k = positive(w[1]!, 'weights depth');
  const elems = x.reduce((a, b) => a * b, 1);
  if (elems % k !== 0) throw new ShapeError(`input of ${elems} elements is not a multiple of the weights' depth ${k}`);
  checkBias(v, 2, w[0]!);
  if (int(v, 'keep_num_dims', 0) !== 0) {
    if (x[x.length - 1] !== k) throw new ShapeError(`keep_num_dims needs the input's last dim ${x[x.length - 1]} to equal ${k}`);
    return [[...x.slice(0, -1), w[0]!]];
  }
  return [[elems / k, w[0]!]];
};

const binary: ShapeFn = (v) => [broadcast(input(v, 0, 'x').shape, input(v, 1, 'y').shape)];

const reduce: ShapeFn = (v) => {
  const x = input(v, 0, 'input').shape;
  const axes = ints(v, 1, 'axes').map((a) => (a < 0 ? a + x.length : a));
  for (const a of axes) if (a < 0 || a >= x.length) throw new ShapeError(`axis ${a} is out of range for rank ${x.length}`);
  const keep = int(v, 'keep_dims', 0) !== 0;
  const out: number[] = [];
  x.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keep) out.push(1);
  });
  return [out];
};

const pad: ShapeFn = (v) => {
  const x = input(v, 0, 'input').shape;
  const p = ints(v, 1, 'paddings');
  if (p.length !== 2 * x.length) throw new ShapeError(`paddings has ${p.length} values, expected ${2 * x.length}`);
  return [x.map((d, i) => {
    const before = p[2 * i]!;
    const after = p[2 * i + 1]!;
    if (before < 0 || after < 0) throw new ShapeError(`negative padding ${before},${after} on dim ${i}`);
    return d + before + after;
  })];
};

const reshape: ShapeFn = (v) => {
  const x = input(v, 0, 'input').shape;
  const out = v.declared[0] ?? [];
  const a = x.reduce((s, d) => s * d, 1);
  const b = out.reduce((s, d) => s * d, 1);
  if (a !== b) throw new ShapeError(`reshape of ${a} elements into [${out.join(',')}] (${b} elements)`);
  return [out];
};

const transpose: ShapeFn = (v) => {
  const x = input(v, 0, 'input').shape;
  const perm = ints(v, 1, 'perm');
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== x.length || sorted.some((p, i) => p !== i)) throw new ShapeError(`perm [${perm.join(',')}] is not a permutation of rank ${x.length}`);
  return [perm.map((p) => x[p]!)];
};

const concatenation: ShapeFn = (v) => {
  const first = input(v, 0, 'input 0').shape;
  const axis = axisAttr(v.attrs, first.length);
  if (axis < 0 || axis >= first.length) throw new ShapeError(`axis ${int(v, 'axis', 0)} is out of range for rank ${first.length}`);
  const out = [...first];
  for (let i = 1; i < v.inputs.length; i++) {
    const s = input(v, i, `input ${i}`).shape;
    if (s.length !== first.length || s.some((d, k) => k !== axis && d !== first[k])) throw new ShapeError(`input ${i} [${s.join(',')}] does not concatenate with [${first.join(',')}] on axis ${axis}`);
    out[axis]! += s[axis]!;
  }
  return [out];
};

/** TFLite's StridedSlice output shape (ellipsis and new-axis masks are not supported, as in TFLite Micro). */
const stridedSlice: ShapeFn = (v) => {
  const x = input(v, 0, 'input').shape;
  const begin = ints(v, 1, 'begin');
  const end = ints(v, 2, 'end');
  const strides = ints(v, 3, 'strides');
  if (int(v, 'ellipsis_mask', 0) !== 0 || int(v, 'new_axis_mask', 0) !== 0) throw new ShapeError('ellipsis_mask and new_axis_mask are not supported');
  if (begin.length !== x.length || end.length !== x.length || strides.length !== x.length) throw new ShapeError(`begin/end/strides need ${x.length} values each`);
  const masks = stridedSliceMasks(v.attrs);
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (strides[i] === 0) throw new ShapeError(`stride of dim ${i} is 0`);
    // A shrunk axis always takes one element (stridedSliceBounds), so it simply leaves the shape.
    if (((masks.shrinkAxisMask >> i) & 1) === 0) out.push(stridedSliceBounds(x[i]!, begin[i]!, end[i]!, strides[i]!, i, masks).count);
  }
  return [out];
};

const svdf: ShapeFn = (v) => {
  const x = rank(input(v, 0, 'input'), 2, 'input');
  const wf = rank(input(v, 1, 'weights_feature'), 2, 'weights_feature');
  const wt = rank(input(v, 2, 'weights_time'), 2, 'weights_time');
  const state = rank(input(v, 4, 'activation_state'), 2, 'activation_state');
  const r = positive(int(v, 'rank', 1), 'rank');
  if (wf[1] !== x[1]) throw new ShapeError(`weights_feature reads ${wf[1]} inputs, the input has ${x[1]}`);
  if (wt[0] !== wf[0]) throw new ShapeError(`weights_time has ${wt[0]} filters, weights_feature ${wf[0]}`);
  if (wf[0]! % r !== 0) throw new ShapeError(`${wf[0]} filters do not split into rank ${r}`);
  const units = wf[0]! / r;
  checkBias(v, 3, units);
  if (state[0] !== x[0] || state[1] !== wt[1]! * wf[0]!) throw new ShapeError(`activation_state [${state.join(',')}] should be [${x[0]},${wt[1]! * wf[0]!}]`);
  return [[x[0]!, units]];
};

const lstm: ShapeFn = (v) => {
  const x = rank(input(v, 0, 'input'), 3, 'input');
  const toOutput = rank(input(v, 4, 'input_to_output_weights'), 2, 'input_to_output_weights');
  const recurrent = rank(input(v, 8, 'recurrent_to_output_weights'), 2, 'recurrent_to_output_weights');
  const outputState = rank(input(v, 18, 'output_state'), 2, 'output_state');
  const cellState = rank(input(v, 19, 'cell_state'), 2, 'cell_state');
  if (toOutput[1] !== x[2]) throw new ShapeError(`input_to_output_weights read ${toOutput[1]} inputs, the input has ${x[2]}`);
  const nCell = toOutput[0]!;
  const projection = v.inputs[16];
  const nOutput = projection ? projection.shape[0]! : recurrent[1]!;
  const timeMajor = int(v, 'time_major', 0) !== 0;
  const batch = timeMajor ? x[1]! : x[0]!;
  if (cellState[0] !== batch || cellState[1] !== nCell) throw new ShapeError(`cell_state [${cellState.join(',')}] should be [${batch},${nCell}]`);
  if (outputState[0] !== batch || outputState[1] !== nOutput) throw new ShapeError(`output_state [${outputState.join(',')}] should be [${batch},${nOutput}]`);
  return [[x[0]!, x[1]!, nOutput]];
};

/** Supported TFLite operators and their shape functions. */
export const TFLITE_SHAPES: ReadonlyMap<string, ShapeFn> = new Map<string, ShapeFn>([
  ['CONV_2D', conv2d],
  ['DEPTHWISE_CONV_2D', depthwise],
  ['TRANSPOSE_CONV', transposeConv],
  ['FULLY_CONNECTED', fullyConnected],
  ['AVERAGE_POOL_2D', pool],
  ['MAX_POOL_2D', pool],
  ['MEAN', reduce],
  ['SUM', reduce],
  ['REDUCE_MAX', reduce],
  ['ADD', binary],
  ['SUB', binary],
  ['MUL', binary],
  ['SOFTMAX', same],
  ['LOGISTIC', same],
  ['TANH', same],
  ['RELU', same],
  ['RELU6', same],
  ['RELU_N1_TO_1', same],
  ['LEAKY_RELU', same],
  ['HARD_SWISH', same],
  ['QUANTIZE', same],
  ['DEQUANTIZE', same],
  ['PAD', pad],
  ['PADV2', pad],
  ['RESHAPE', reshape],
  ['SQUEEZE', reshape],
  ['EXPAND_DIMS', reshape],
  ['TRANSPOSE', transpose],
  ['STRIDED_SLICE', stridedSlice],
  ['CONCATENATION', concatenation],
  ['SVDF', svdf],
  ['UNIDIRECTIONAL_SEQUENCE_LSTM', lstm],
]);
